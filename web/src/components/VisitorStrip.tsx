import type { Member } from "@engunity/shared";
import { For, Show } from "solid-js";
import { displayName } from "../lib/format";

/**
 * A widget visitor in the room: the team sees who and where, and may switch the AI
 * off once a human has taken the conversation over.
 */
export function VisitorStrip(props: {
  visitors: Member[];
  canWrite: boolean;
  aiOff: boolean;
  onAiOff: (off: boolean) => void;
}) {
  return (
    <Show when={props.visitors.length}>
      <div class="visitor-strip" data-testid="visitor-strip">
        <For each={props.visitors}>
          {(v) => (
            <span class="visitor-who">
              <span class="visitor-badge">visitor</span> {displayName(v.user)}
              <Show when={v.visitor?.pageUrl}>
                <span class="muted"> on {v.visitor!.pageUrl}</span>
              </Show>
            </span>
          )}
        </For>
        <span class="spacer" />
        <Show when={props.canWrite}>
          <label class="switch" title="Stop the AI answering in this conversation">
            <input
              type="checkbox"
              data-testid="ai-off"
              checked={props.aiOff}
              onChange={(e) => props.onAiOff(e.currentTarget.checked)}
            />
            AI off
          </label>
        </Show>
      </div>
    </Show>
  );
}
