import { createEffect, createSignal, on, onCleanup } from "solid-js";
import { toast } from "../components/Toast";
import { currentUser } from "./auth";
import type { Collab, Peer } from "./collab";
import { colorFor, displayName } from "./format";

/** What the toast says when the server refused an edit of the shared title or draft. */
function resyncText(why: string): string {
  if (why === "read_only") return "You can no longer edit here; your last edit was undone.";
  if (why === "rate") return "Edits came too fast; the draft was reloaded from the server.";
  return "That edit was too large to share; the draft was reloaded from the server.";
}

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
        const start = (afterResync: boolean) => {
          if (cancelled) return;
          const c = connectCollab(
            sessionId,
            { id: user.id, name: displayName(user), color: colorFor(user.id) },
            { afterResync },
          );
          doc = c;
          c.onStatus((synced) => {
            if (synced) setCollab(c);
          });
          c.onPeers(() => setPeers(c.peers()));
          // The server refused an edit: drop this copy and load the server's, so the
          // fields never show what nobody else sees.
          c.onResync((why) => {
            c.destroy();
            setCollab(null);
            setPeers([]);
            toast(resyncText(why));
            start(true);
          });
        };
        start(false);
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
