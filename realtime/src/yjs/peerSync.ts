import type { Logger } from "@engunity/core";
import { encodeAwarenessUpdate } from "y-protocols/awareness";
import * as Y from "yjs";
import type { DocSync, PeerMessage } from "./redisDocSync";
import type { RoleWatch } from "./roleWatch";
import type { SharedDoc } from "./SharedDoc";

/**
 * The hooks peer sync calls on this node's docs (Hocuspocus' extension shape): a
 * message from another node about a room, and Redis coming back.
 */
export class PeerSyncHooks {
  constructor(
    private readonly docs: ReadonlyMap<string, SharedDoc>,
    private readonly roles: RoleWatch,
    private readonly sync: () => DocSync | null,
    private readonly logger: Logger,
  ) {}

  /** A message from another node about a room. */
  onPeerMessage(room: string, message: PeerMessage, fromNode: string): void {
    const shared = this.docs.get(room);
    if (!shared) return;
    switch (message.type) {
      case "update":
        shared.applyPeerUpdate(message.update);
        return;
      case "awareness":
        shared.applyPeerAwareness(message.update);
        return;
      case "syncRequest": {
        // Only a loaded doc can answer; one still loading would answer with less.
        void shared.ready.then(
          () => {
            if (this.docs.get(room) !== shared) return;
            this.sync()?.publish(room, {
              type: "syncReply",
              to: fromNode,
              update: Y.encodeStateAsUpdate(shared.doc, message.stateVector),
              awareness: encodeAwarenessUpdateOrNull(shared),
              stateVector: Y.encodeStateVector(shared.doc),
            });
          },
          () => {},
        ); // a doc that failed to load answers nothing; the load logged why
        return;
      }
      case "syncReply":
        if (message.to !== this.sync()?.nodeId) return;
        shared.applyPeerUpdate(message.update);
        if (message.awareness) shared.applyPeerAwareness(message.awareness);
        this.sendWhatPeerLacks(shared, message.stateVector);
        return;
      case "evict":
        this.roles.closeLocal(room, message.userId);
        return;
      case "role":
        this.roles.setRoleLocal(room, message.userId, message.canWrite);
        return;
    }
  }

  /** Publishes the structs a peer with `stateVector` lacks, if any. */
  private sendWhatPeerLacks(shared: SharedDoc, stateVector: Uint8Array): void {
    const diff = Y.encodeStateAsUpdate(shared.doc, stateVector);
    const { structs, ds } = Y.decodeUpdate(diff);
    // Deletions leave no trace in a state vector: send them whenever there are any.
    if (structs.length === 0 && ds.clients.size === 0) return;
    this.sync()?.publish(shared.room, { type: "update", update: diff });
  }

  /** Redis came back: ask every peer for what this node may have missed. */
  resyncAll(): void {
    for (const shared of this.docs.values()) {
      void (async () => {
        const sync = this.sync();
        if (shared.unsubscribed) {
          await sync?.subscribe(shared.room);
          shared.unsubscribed = false;
        }
        sync?.publish(shared.room, {
          type: "syncRequest",
          stateVector: Y.encodeStateVector(shared.doc),
        });
      })().catch((err: Error) => this.logger.warn({ err: err.message }, "yjs resync failed"));
    }
  }
}

/** Every awareness state this node knows of a doc, as one update (null when none). */
function encodeAwarenessUpdateOrNull(shared: SharedDoc): Uint8Array | null {
  const clients = [...shared.awareness.getStates().keys()];
  return clients.length ? encodeAwarenessUpdate(shared.awareness, clients) : null;
}
