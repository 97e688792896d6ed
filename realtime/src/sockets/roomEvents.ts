import { sessionIdOfRoom } from "@engunity/shared";
import type { Namespace } from "socket.io";

type Adapter = Namespace["adapter"];

/**
 * Events that change nothing a join ack's snapshot holds (the session, the history
 * page, the members page): the gateway's own presence and typing indicators. Every
 * other event into a session room — whatever its name, from this node, another node or
 * a worker — counts as a change.
 */
const SNAPSHOT_NEUTRAL = new Set(["presence", "presence:join", "presence:leave", "typing"]);

/** What the in-memory adapter calls on itself for every broadcast it delivers. */
interface BroadcastInternals {
  _encode(packet: { data?: unknown[] }, opts: unknown): unknown;
  apply(opts: { rooms?: Set<string> }, callback: unknown): void;
}

export interface RoomEventListener {
  /** An event that may change what a join ack shows was delivered into the room here. */
  changed(sessionId: string): void;
  /**
   * Sockets of this node were made to join or leave rooms or disconnect through the
   * adapter (an eviction is one), wherever that was asked.
   */
  moved(): void;
}

/**
 * Calls `changed(sessionId)` whenever this node delivers an event into a session room
 * that may change what a join ack shows, and when the room has no socket on this node
 * left — from then on the Redis adapter ignores that room's events here, so nothing
 * read before may be kept.
 *
 * The hook is where delivery happens: `Adapter.broadcast` (called for this node's own
 * emits and, by the Redis adapter, for every other node's and the workers') encodes the
 * packet once and then `apply`s it to the rooms' sockets, synchronously. So a change is
 * seen here before any socket of this node has the event, and a socket that joined the
 * room before a snapshot was looked up gets every event after it. An `apply` that is not
 * a broadcast — sockets joining or leaving rooms (`socketsLeave`, the eviction of a
 * removed member), disconnected, fetched — is `moved()`, and a change of the rooms it
 * selects too: the safe side, and rare.
 */
export function onRoomEvents(adapter: Adapter, listener: RoomEventListener): void {
  const internals = adapter as unknown as BroadcastInternals;
  const encode = internals._encode;
  const apply = internals.apply;
  // The broadcast being delivered: set by `_encode`, taken by the `apply` right after.
  let encoding: { event: unknown } | undefined;
  internals._encode = function (packet, opts) {
    encoding = { event: packet.data?.[0] };
    return encode.call(this, packet, opts);
  };
  internals.apply = function (opts, callback) {
    const broadcast = encoding;
    encoding = undefined;
    if (!broadcast) listener.moved();
    const event = broadcast?.event;
    if (!(typeof event === "string" && SNAPSHOT_NEUTRAL.has(event))) {
      for (const room of opts.rooms ?? []) {
        const sessionId = sessionIdOfRoom(room);
        if (sessionId) listener.changed(sessionId);
      }
    }
    return apply.call(this, opts, callback);
  };
  adapter.on("delete-room", (room: string) => {
    const sessionId = sessionIdOfRoom(room);
    if (sessionId) listener.changed(sessionId);
  });
}
