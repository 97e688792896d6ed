import { Show } from "solid-js";
import { connectionState, hasBeenOnline } from "../lib/socket";

/** Says so when the realtime connection is down; sends queue meanwhile. */
export function ConnectionBanner() {
  return (
    <Show when={connectionState() !== "online" && hasBeenOnline()}>
      <div class="banner" role="status" data-testid="reconnecting">
        <span class="spinner" aria-hidden="true" />
        Reconnecting… messages you send now will go out when you're back online.
      </div>
    </Show>
  );
}
