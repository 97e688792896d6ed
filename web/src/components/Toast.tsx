import { createSignal, Show } from "solid-js";

const [message, setMessage] = createSignal<string | null>(null);
let timer: ReturnType<typeof setTimeout> | undefined;

/** Shows a short notice at the bottom of the screen. */
export function toast(text: string): void {
  setMessage(text);
  clearTimeout(timer);
  timer = setTimeout(() => setMessage(null), 4_000);
}

export function ToastHost() {
  return (
    <Show when={message()}>
      <div class="toast" role="status" data-testid="toast">
        {message()}
      </div>
    </Show>
  );
}
