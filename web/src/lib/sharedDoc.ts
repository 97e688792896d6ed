import { createEffect, createSignal, on, onCleanup } from "solid-js";
import { currentUser } from "./auth";
import type { Collab, Peer } from "./collab";
import { colorFor, displayName } from "./format";

/**
 * The session's shared doc (title and draft) for people who may edit; loaded lazily so
 * the chat renders first. Offered to the fields only once synced: until then they stay
 * plain local fields, and they stay usable if the doc never connects. Must be called
 * inside a component.
 */
export function createSharedDoc(sessionId: string, canWrite: () => boolean) {
  const [collab, setCollab] = createSignal<Collab | null>(null);
  const [peers, setPeers] = createSignal<Peer[]>([]);
  createEffect(
    on(canWrite, (writer) => {
      const user = currentUser();
      if (!writer || !user) return;
      let doc: Collab | null = null;
      let cancelled = false;
      void import("./collab").then(({ connectCollab }) => {
        if (cancelled) return;
        const c = connectCollab(sessionId, {
          id: user.id,
          name: displayName(user),
          color: colorFor(user.id),
        });
        doc = c;
        c.onStatus((synced) => {
          if (synced) setCollab(c);
        });
        c.onPeers(() => setPeers(c.peers()));
      });
      onCleanup(() => {
        cancelled = true;
        setCollab(null);
        setPeers([]);
        doc?.destroy();
      });
    }),
  );
  return { collab, peers };
}
