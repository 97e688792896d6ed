import { createSignal, For, Show } from "solid-js";

export interface ToastAction {
  label: string;
  run: () => void;
  /** Its data-testid (`toast-action` unless given). */
  testId?: string;
  /** A longer description (the button's title and accessible name). */
  title?: string;
}

const [message, setMessage] = createSignal<{ text: string; actions: ToastAction[] } | null>(null);
let timer: ReturnType<typeof setTimeout> | undefined;

/** Shows a short notice at the bottom of the screen, optionally with action buttons. */
export function toast(text: string, action?: ToastAction | ToastAction[]): void {
  const actions = action === undefined ? [] : Array.isArray(action) ? action : [action];
  setMessage({ text, actions });
  clearTimeout(timer);
  timer = setTimeout(() => setMessage(null), actions.length ? 12_000 : 4_000);
}

export function ToastHost() {
  return (
    <Show when={message()}>
      {(m) => (
        <div class="toast" role="status" data-testid="toast">
          {m().text}
          <For each={m().actions}>
            {(a) => (
              <button
                class="toast-action"
                type="button"
                data-testid={a.testId ?? "toast-action"}
                title={a.title}
                aria-label={a.title}
                onClick={() => {
                  setMessage(null);
                  a.run();
                }}
              >
                {a.label}
              </button>
            )}
          </For>
        </div>
      )}
    </Show>
  );
}
