import { Show } from "solid-js";
import { connectionState, hasBeenOnline } from "../lib/socket";

/** Says so when the realtime connection is down; sends queue meanwhile. */
export function ConnectionBanner() {
  return (
    <Show when={connectionState() === "offline"}>
      <div class="banner" role="status" data-testid="reconnecting">
        <span class="spinner" aria-hidden="true" />
        {hasBeenOnline()
          ? "Reconnecting… messages you send now will go out when you're back online."
          : "Can't reach the server yet — retrying…"}
      </div>
    </Show>
  );
}
