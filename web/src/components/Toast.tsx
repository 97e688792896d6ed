import { createSignal, Show } from "solid-js";

interface ToastAction {
  label: string;
  run: () => void;
}

const [message, setMessage] = createSignal<{ text: string; action?: ToastAction } | null>(null);
let timer: ReturnType<typeof setTimeout> | undefined;

/** Shows a short notice at the bottom of the screen, optionally with one action button. */
export function toast(text: string, action?: ToastAction): void {
  setMessage({ text, action });
  clearTimeout(timer);
  timer = setTimeout(() => setMessage(null), action ? 8_000 : 4_000);
}

export function ToastHost() {
  return (
    <Show when={message()}>
      {(m) => (
        <div class="toast" role="status" data-testid="toast">
          {m().text}
          <Show when={m().action}>
            {(a) => (
              <button
                class="toast-action"
                type="button"
                data-testid="toast-action"
                onClick={() => {
                  setMessage(null);
                  a().run();
                }}
              >
                {a().label}
              </button>
            )}
          </Show>
        </div>
      )}
    </Show>
  );
}
