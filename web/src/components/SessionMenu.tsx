import { createSignal, onCleanup, Show } from "solid-js";
import { Icon } from "./Icon";

/** The "⋯" menu of a session: token usage, export and delete. */
export function SessionMenu(props: {
  canDelete: boolean;
  onUsage: () => void;
  onExport: (format: "md" | "json") => void;
  onDelete: () => void;
  /** Members who are not the owner may leave instead. */
  onLeave: () => void;
}) {
  const [open, setOpen] = createSignal(false);
  let root!: HTMLDivElement;
  const close = (e: MouseEvent) => {
    if (!root.contains(e.target as Node)) setOpen(false);
  };
  document.addEventListener("click", close);
  onCleanup(() => document.removeEventListener("click", close));
  const pick = (fn: () => void) => () => {
    setOpen(false);
    fn();
  };

  return (
    <div class="relative" ref={root}>
      <button
        class="btn btn-ghost btn-icon"
        type="button"
        aria-label="Session menu"
        aria-haspopup="menu"
        aria-expanded={open()}
        data-testid="session-menu"
        onClick={() => setOpen(!open())}
        onKeyDown={(e) => e.key === "Escape" && setOpen(false)}
      >
        <Icon name="more" size={18} />
      </button>
      <Show when={open()}>
        <div class="menu" role="menu" onKeyDown={(e) => e.key === "Escape" && setOpen(false)}>
          <button
            type="button"
            role="menuitem"
            data-testid="session-usage"
            onClick={pick(props.onUsage)}
          >
            Token usage
          </button>
          <hr />
          <button
            type="button"
            role="menuitem"
            data-testid="export-md"
            onClick={pick(() => props.onExport("md"))}
          >
            Export as Markdown
          </button>
          <button
            type="button"
            role="menuitem"
            data-testid="export-json"
            onClick={pick(() => props.onExport("json"))}
          >
            Export as JSON
          </button>
          <Show when={!props.canDelete}>
            <hr />
            <button
              type="button"
              role="menuitem"
              class="danger"
              data-testid="session-leave"
              onClick={pick(props.onLeave)}
            >
              Leave session
            </button>
          </Show>
          <Show when={props.canDelete}>
            <hr />
            <button
              type="button"
              role="menuitem"
              class="danger"
              data-testid="session-delete"
              onClick={pick(props.onDelete)}
            >
              Delete session…
            </button>
          </Show>
        </div>
      </Show>
    </div>
  );
}
