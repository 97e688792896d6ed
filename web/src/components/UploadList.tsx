import { For, Show } from "solid-js";
import type { Upload } from "../lib/uploads";

const label: Record<Upload["phase"], string> = {
  uploading: "Uploading",
  indexing: "Indexing",
  ready: "Ready",
  failed: "Failed",
};

export function UploadList(props: { uploads: Upload[]; onDismiss: (key: string) => void }) {
  return (
    <Show when={props.uploads.length}>
      <div class="uploads" aria-live="polite">
        <For each={props.uploads}>
          {(u) => (
            <div class="upload-row" data-testid="upload-row" data-phase={u.phase}>
              <span class="fname" title={u.filename}>
                {u.filename}
              </span>
              <Show
                when={u.phase === "uploading" || u.phase === "indexing"}
                fallback={
                  <span class={u.phase === "failed" ? "error-text" : "muted"}>
                    {u.phase === "failed" ? (u.error ?? "Failed") : "Ready to cite"}
                  </span>
                }
              >
                <progress
                  max={1}
                  value={u.progress}
                  data-testid="upload-progress"
                  aria-label={`${label[u.phase]} ${u.filename}`}
                />
              </Show>
              <Show
                when={u.phase === "ready" || u.phase === "failed"}
                fallback={
                  <span class="muted">
                    {label[u.phase]} {Math.round(u.progress * 100)}%
                  </span>
                }
              >
                <button
                  class="btn btn-ghost btn-sm"
                  type="button"
                  onClick={() => props.onDismiss(u.key)}
                >
                  Dismiss
                </button>
              </Show>
            </div>
          )}
        </For>
      </div>
    </Show>
  );
}
