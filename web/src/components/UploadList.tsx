import { For, Show } from "solid-js";
import type { Upload } from "../lib/uploads";

const label: Record<Upload["phase"], string> = {
  uploading: "Uploading",
  indexing: "Indexing",
  ready: "Ready",
  failed: "Failed",
};

/**
 * The session's documents: upload and indexing progress, ready (with its passage
 * count), or failed with the server's reason. Editors may delete (which also cancels
 * indexing); a failed upload that never reached the server is dismissed.
 */
export function UploadList(props: {
  uploads: Upload[];
  canDelete: boolean;
  onRemove: (key: string) => void;
}) {
  return (
    <Show when={props.uploads.length}>
      <div class="uploads" aria-live="polite" data-testid="uploads">
        <For each={props.uploads}>
          {(u) => (
            <div class="upload-row" data-testid="upload-row" data-phase={u.phase}>
              <span class="fname" title={u.filename}>
                <span class={`doc-dot ${u.phase}`} aria-hidden="true" />
                {u.filename}
              </span>
              <Show
                when={u.phase === "uploading" || u.phase === "indexing"}
                fallback={
                  <span
                    class={u.phase === "failed" ? "error-text" : "muted"}
                    data-testid="upload-status"
                    title={u.error}
                  >
                    {u.phase === "failed"
                      ? (u.error ?? "Failed")
                      : `Ready · ${u.chunkCount ?? 0} passage${u.chunkCount === 1 ? "" : "s"}`}
                  </span>
                }
              >
                <span class="upload-progress">
                  <progress
                    max={1}
                    value={u.progress}
                    data-testid="upload-progress"
                    aria-label={`${label[u.phase]} ${u.filename}`}
                  />
                  <span class="muted">
                    {label[u.phase]} {Math.round(u.progress * 100)}%
                  </span>
                </span>
              </Show>
              <Show
                when={props.canDelete && u.documentId}
                fallback={
                  <Show when={!u.documentId && u.phase === "failed"}>
                    <button
                      class="btn btn-ghost btn-sm"
                      type="button"
                      onClick={() => props.onRemove(u.key)}
                    >
                      Dismiss
                    </button>
                  </Show>
                }
              >
                <button
                  class="btn btn-ghost btn-sm"
                  type="button"
                  data-testid="upload-delete"
                  title={u.phase === "indexing" ? "Cancel indexing and delete" : "Delete document"}
                  onClick={() => props.onRemove(u.key)}
                >
                  {u.phase === "indexing" ? "Cancel" : "Delete"}
                </button>
              </Show>
            </div>
          )}
        </For>
      </div>
    </Show>
  );
}
