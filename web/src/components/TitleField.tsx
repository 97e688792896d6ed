import { LIMITS } from "@engunity/shared/limits";
import { createEffect, createSignal, For, onCleanup, Show, untrack } from "solid-js";
import { bindField } from "../lib/bindField";
import type { Collab, Peer } from "../lib/collab";
import { titleOf } from "../lib/format";
import { Icon } from "./Icon";

/** The session title, edited in place by editors; Enter or leaving the field saves. */
export function TitleField(props: {
  title: string;
  editable: boolean;
  onRename: (title: string) => void;
  /** With the Yjs doc connected the title is co-edited live; the server saves it. */
  collab?: Collab | null;
  peers?: Peer[];
}) {
  const [value, setValue] = createSignal(props.title);
  let input: HTMLInputElement | undefined;
  let editing = false;
  createEffect(() => {
    const collab = props.collab;
    if (!collab || !props.editable || !input) return;
    // A rename typed while the doc was still connecting is the typist's: it goes into
    // the shared title instead of being overwritten by it. (Read once, untracked.)
    const typed = untrack(() => (editing && value() !== props.title ? value() : undefined));
    const unbind = bindField(input, collab.title, setValue, { replaceWith: typed });
    onCleanup(unbind);
  });
  const shareCaret = () =>
    input && props.collab?.setCursor("title", input.selectionStart ?? 0, input.selectionEnd ?? 0);
  const editors = () => (props.peers ?? []).filter((p) => p.cursor?.field === "title");
  // A rename from elsewhere shows up unless the user is typing over it.
  createEffect(() => {
    const t = props.title;
    // Co-edited, the field follows the doc alone: the saved title lags behind it.
    if (!editing && !props.collab) setValue(t);
  });
  function commit() {
    editing = false;
    props.collab?.setCursor(null);
    if (props.collab) return;
    const next = value().trim();
    if (next !== props.title.trim()) props.onRename(next);
  }
  return (
    <Show
      when={props.editable}
      fallback={
        <h1 class="title-text" data-testid="session-title">
          {titleOf({ title: props.title })}
        </h1>
      }
    >
      <input
        ref={input}
        class="title-text title-input"
        data-testid="session-title"
        aria-label="Session title (click to rename)"
        title="Click to rename"
        placeholder="Untitled session"
        maxLength={LIMITS.titleMax}
        value={value()}
        onFocus={() => {
          editing = true;
          shareCaret();
        }}
        onSelect={shareCaret}
        onKeyUp={shareCaret}
        onInput={(e) => {
          if (!props.collab) setValue(e.currentTarget.value);
        }}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") e.currentTarget.blur();
          if (e.key === "Escape" && !props.collab) {
            setValue(props.title);
            editing = false;
            e.currentTarget.blur();
          }
        }}
      />
      <span class="edit-hint" aria-hidden="true">
        <Icon name="edit" size={14} />
      </span>
      <span class="editing-chips">
        <For each={editors()}>
          {(p) => (
            <span
              class="editing-chip"
              data-testid="title-editor"
              data-user-id={p.user.id}
              style={{ background: p.user.color }}
              title={`${p.user.name} is editing the title`}
            >
              {p.user.name}
            </span>
          )}
        </For>
      </span>
    </Show>
  );
}
