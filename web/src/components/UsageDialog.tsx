import type { SessionUsage } from "@engunity/shared";
import { createResource, For, Show } from "solid-js";
import { api, errorText } from "../lib/api";
import { Dialog } from "./Dialog";

const n = (v: number) => v.toLocaleString();

/** Tokens this session's answers used, by who asked and by model (any member may look). */
export function UsageDialog(props: { sessionId: string; onClose: () => void }) {
  const [usage] = createResource(() => api<SessionUsage>("GET", `/chat/${props.sessionId}/usage`));
  return (
    <Dialog label="Token usage" onClose={props.onClose} testId="usage-dialog">
      <h2>Token usage</h2>
      <Show when={usage.error}>
        <p class="error-text">{errorText(usage.error)}</p>
      </Show>
      <Show when={usage()}>
        {(u) => (
          <Show
            when={u().total.answers > 0}
            fallback={<p class="muted">No AI answers in this session yet.</p>}
          >
            <p class="muted" data-testid="usage-total">
              {n(u().total.promptTokens + u().total.completionTokens)} tokens in {u().total.answers}{" "}
              answers ({n(u().total.promptTokens)} prompt, {n(u().total.completionTokens)}{" "}
              completion)
            </p>
            <h3 class="usage-h">By who asked</h3>
            <table class="usage-list">
              <tbody>
                <For each={u().byUser}>
                  {(r) => (
                    <tr>
                      <td>{r.username}</td>
                      <td>{n(r.promptTokens + r.completionTokens)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
            <h3 class="usage-h">By model</h3>
            <table class="usage-list">
              <tbody>
                <For each={u().byModel}>
                  {(r) => (
                    <tr>
                      <td>
                        {r.provider}/{r.model}
                      </td>
                      <td>{n(r.promptTokens + r.completionTokens)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        )}
      </Show>
      <div class="dialog-actions">
        <button class="btn" type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
