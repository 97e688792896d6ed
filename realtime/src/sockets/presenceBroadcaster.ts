import { sessionRoom } from "@engunity/shared";
import type { Gateway } from "./types";

/** Changes within this window go out as one `presence` event (a room filling up, say). */
const COALESCE_MS = 25;
/**
 * Extra wait per local socket in the room, up to five seconds: a full presence list is
 * O(room) bytes sent to O(room) sockets, so a room of 1,000 filling up would otherwise
 * cost gigabytes of writes (and of client-side parsing). Small rooms stay snappy
 * (10 sockets: 75 ms); presence in a crowd is soft state and may lag a few seconds.
 */
const COALESCE_MS_PER_SOCKET = 5;
const COALESCE_MAX_MS = 5000;

/**
 * Sends `presence` to this node's sockets in a room whenever the store says it may
 * have changed. Every node hears every change and reads the store after it, so the
 * last event each client gets shows the room as it is — unlike one node broadcasting
 * everywhere, where an older read could arrive last. Returns a stop function.
 */
export function startPresenceBroadcasts(gw: Gateway): () => void {
  const pending = new Map<string, NodeJS.Timeout>();
  const running = new Set<string>();
  const again = new Set<string>();
  let stopped = false;

  const run = async (sessionId: string) => {
    running.add(sessionId);
    try {
      const room = sessionRoom(sessionId);
      if (!gw.io.of("/").adapter.rooms.has(room)) return;
      const users = await gw.users.users(await gw.presence.userIds(sessionId));
      gw.ctx.metrics.socketEventsOut.inc({ event: "presence" });
      gw.io.local.to(room).emit("presence", { sessionId, users });
    } catch (err) {
      gw.ctx.logger.warn({ err, sessionId }, "presence broadcast failed");
    } finally {
      running.delete(sessionId);
      if (again.delete(sessionId)) schedule(sessionId);
    }
  };

  const schedule = (sessionId: string) => {
    if (stopped) return;
    if (running.has(sessionId)) {
      again.add(sessionId);
      return;
    }
    if (pending.has(sessionId)) return;
    const local = gw.io.of("/").adapter.rooms.get(sessionRoom(sessionId))?.size ?? 0;
    const delay = Math.min(COALESCE_MAX_MS, COALESCE_MS + local * COALESCE_MS_PER_SOCKET);
    const timer = setTimeout(() => {
      pending.delete(sessionId);
      void run(sessionId);
    }, delay);
    pending.set(sessionId, timer);
  };

  gw.presence.onChange(schedule);
  return () => {
    stopped = true;
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
  };
}
