import { onCleanup, onMount, type ParentProps, Show } from "solid-js";
import { Portal } from "solid-js/web";

/** A modal dialog: focus moves in, Escape or the backdrop closes, focus returns after. */
export function Dialog(
  props: ParentProps<{ label: string; onClose: () => void; testId?: string }>,
) {
  let panel!: HTMLDivElement;
  const opener = document.activeElement as HTMLElement | null;
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") props.onClose();
    if (e.key === "Tab") trapFocus(e);
  };
  function trapFocus(e: KeyboardEvent) {
    const items = [
      ...panel.querySelectorAll<HTMLElement>("button, input, select, textarea, a[href]"),
    ].filter((x) => !x.hasAttribute("disabled"));
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }
  onMount(() => {
    document.addEventListener("keydown", onKey);
    panel.querySelector<HTMLElement>("[autofocus], input, select, button")?.focus();
  });
  onCleanup(() => {
    document.removeEventListener("keydown", onKey);
    opener?.focus?.();
  });
  return (
    <Portal>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: backdrop click is a mouse shortcut; Escape (document listener) is the keyboard way */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: as above */}
      <div class="overlay" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
        <div
          class="dialog"
          role="dialog"
          aria-modal="true"
          aria-label={props.label}
          data-testid={props.testId}
          ref={panel}
        >
          {props.children}
        </div>
      </div>
    </Portal>
  );
}

/**
 * The foot of a settings dialog: what the last action said (a notice, or an error read
 * out at once), then "Done".
 */
export function DialogFooter(props: {
  error: string | null;
  notice?: string | null;
  noticeTestId?: string;
  closeTestId: string;
  onClose: () => void;
}) {
  return (
    <>
      <Show when={props.notice}>
        <p class="muted" role="status" data-testid={props.noticeTestId}>
          {props.notice}
        </p>
      </Show>
      <Show when={props.error}>
        <p class="error-text" role="alert">
          {props.error}
        </p>
      </Show>
      <div class="dialog-actions">
        <button class="btn" type="button" data-testid={props.closeTestId} onClick={props.onClose}>
          Done
        </button>
      </div>
    </>
  );
}

/** "Are you sure?" for destructive actions. */
export function ConfirmDialog(props: {
  title: string;
  body: string;
  confirm: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog label={props.title} onClose={props.onClose} testId="confirm-dialog">
      <h2>{props.title}</h2>
      <p class="muted">{props.body}</p>
      <div class="dialog-actions">
        <button class="btn" type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button
          class="btn btn-danger-solid"
          type="button"
          data-testid="confirm"
          onClick={props.onConfirm}
        >
          {props.confirm}
        </button>
      </div>
    </Dialog>
  );
}
