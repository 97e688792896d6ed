import { LIMITS } from "@engunity/shared/limits";
import { createEffect, createSignal, Show } from "solid-js";
import { titleOf } from "../lib/format";

/** The session title, edited in place by editors; Enter or leaving the field saves. */
export function TitleField(props: {
  title: string;
  editable: boolean;
  onRename: (title: string) => void;
}) {
  const [value, setValue] = createSignal(props.title);
  let editing = false;
  // A rename from elsewhere shows up unless the user is typing over it.
  createEffect(() => {
    const t = props.title;
    if (!editing) setValue(t);
  });
  function commit() {
    editing = false;
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
        class="title-text title-input"
        data-testid="session-title"
        aria-label="Session title"
        placeholder="Untitled session"
        maxLength={LIMITS.titleMax}
        value={value()}
        onFocus={() => {
          editing = true;
        }}
        onInput={(e) => setValue(e.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Enter") e.currentTarget.blur();
          if (e.key === "Escape") {
            setValue(props.title);
            editing = false;
            e.currentTarget.blur();
          }
        }}
      />
    </Show>
  );
}
