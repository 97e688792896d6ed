import { LIMITS, presenceFullRoom, sessionRoom } from "@engunity/shared";
import type { Gateway } from "./types";

/**
 * Changes go out once the room has been quiet for a moment (`COALESCE_MS`, a little more
 * in a crowd), and at the latest `COALESCE_MS` plus 1 ms per local socket in the room (up
 * to a second) after the first of them: each event is bounded (a page of people at most),
 * so the cap only limits how many of them a crowd's join storm sends each socket, and the
 * quiet wait means the last of them goes out just after the storm ends, not a whole cap
 * later. Presence in a crowd is soft state and may lag a second while people keep coming.
 */
const COALESCE_MS = 25;
const QUIET_MS_PER_SOCKET = 0.1;
const QUIET_MAX_MS = 100;
const COALESCE_MS_PER_SOCKET = 1;
const COALESCE_MAX_MS = 1000;

/**
 * Who is here in one room, as this node's sockets know it: everyone in a stable order
 * (kept where they were, newcomers at the end) — the first `LIMITS.peoplePage` of them
 * are the page clients show — and the seq of the last change sent. Read without
 * copying the room's list, so a join into a room of N costs O(page), not O(N).
 */
export interface PresenceView {
  count: number;
  seq: number;
  /** Who is here from `offset`, in the page's order. */
  slice(offset: number, limit?: number): string[];
  has(userId: string): boolean;
}

interface RoomState {
  ids: string[];
  /** `ids` as a set (made once per broadcast, not per join). */
  here: Set<string>;
  seq: number;
  /**
   * Joiners shown to themselves in their ack's page before a broadcast said they are
   * here: the next diff leaves them out again where the page turns out not to hold them.
   */
  extras: Set<string>;
}

const roomState = (ids: string[], seq: number): RoomState => ({
  ids,
  here: new Set(ids),
  seq,
  extras: new Set(),
});

export interface PresenceBroadcasts {
  /**
   * The room's view as this node's sockets know it (read from the store the first time);
   * with `self`, as a joiner should see it: with themselves in, when missing.
   */
  view(sessionId: string, self?: string): Promise<PresenceView>;
  stop(): void;
}

/**
 * Sends presence to this node's sockets in a room whenever the store says it may have
 * changed: every node hears every change, reads the store after it and diffs against
 * what it last sent, so the events each client gets end at the room as it is.
 *
 * Sockets get `presence:leave` / `presence:join` for the page's changes and the new
 * count — one serialisation per room and event, bytes bounded by the page however
 * large the room. Sockets that joined with `presence: "full"` get the whole list
 * (`presence`) instead, as before. Returns the views (for join acks) and a stop function.
 */
export function startPresenceBroadcasts(gw: Gateway): PresenceBroadcasts {
  const views = new Map<string, RoomState>();
  /** Rooms with a broadcast due: since when changes wait, and the timer that sends them. */
  const pending = new Map<string, { since: number; timer: NodeJS.Timeout }>();
  const running = new Set<string>();
  const again = new Set<string>();
  const rooms = { has: (room: string) => gw.io.of("/").adapter.rooms.has(room) };
  const localSize = (room: string) => gw.io.of("/").adapter.rooms.get(room)?.size ?? 0;
  let stopped = false;

  const run = async (sessionId: string) => {
    running.add(sessionId);
    try {
      const room = sessionRoom(sessionId);
      if (!rooms.has(room)) {
        views.delete(sessionId);
        return;
      }
      const now = await gw.presence.userIds(sessionId);
      if (!rooms.has(room)) {
        views.delete(sessionId);
        return;
      }
      const full = presenceFullRoom(sessionId);
      // Names first (the page as it would be now, and everyone for full-list sockets);
      // then the diff in one synchronous step against the view as it is by then.
      const tentative = order(views.get(sessionId)?.ids ?? [], now);
      const wantFull = rooms.has(full);
      const asked = wantFull ? tentative : tentative.slice(0, LIMITS.peoplePage);
      const named = new Map((await gw.users.users(asked)).map((u) => [u.id, u]));
      const askedSet = new Set(asked);
      const prev = views.get(sessionId) ?? roomState([], 0);
      const ids = order(prev.ids, now);
      const oldPage = prev.ids.slice(0, LIMITS.peoplePage);
      const newPage = ids.slice(0, LIMITS.peoplePage);
      const oldSet = new Set(oldPage);
      const newSet = new Set(newPage);
      const left = [...new Set([...oldPage, ...prev.extras])].filter((id) => !newSet.has(id));
      const joined = newPage.filter((id) => !oldSet.has(id));
      if (
        joined.some((id) => !askedSet.has(id)) ||
        (wantFull && ids.some((id) => !askedSet.has(id)))
      ) {
        // A join's read set the view meanwhile: diff again from it.
        again.add(sessionId);
        return;
      }
      const count = ids.length;
      const view = roomState(ids, prev.seq);
      views.set(sessionId, view);
      const diffs = gw.io.local.to(room).except(full);
      if (left.length || (!joined.length && count < prev.ids.length)) {
        view.seq += 1;
        gw.ctx.metrics.socketEventsOut.inc({ event: "presence:leave" });
        diffs.emit("presence:leave", { sessionId, seq: view.seq, count, userIds: left });
      }
      if (joined.length || (!left.length && count > prev.ids.length)) {
        view.seq += 1;
        gw.ctx.metrics.socketEventsOut.inc({ event: "presence:join" });
        const users = joined.flatMap((id) => named.get(id) ?? []);
        diffs.emit("presence:join", { sessionId, seq: view.seq, count, users });
      }
      const setChanged =
        count !== prev.ids.length ||
        left.length > 0 ||
        joined.length > 0 ||
        ids.some((id, k) => prev.ids[k] !== id);
      if (wantFull && setChanged) {
        gw.ctx.metrics.socketEventsOut.inc({ event: "presence" });
        const users = ids.flatMap((id) => named.get(id) ?? []);
        gw.io.local.to(full).emit("presence", { sessionId, users });
      }
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
    const now = Date.now();
    const local = localSize(sessionRoom(sessionId));
    const quiet = Math.min(QUIET_MAX_MS, COALESCE_MS + local * QUIET_MS_PER_SOCKET);
    const cap = Math.min(COALESCE_MAX_MS, COALESCE_MS + local * COALESCE_MS_PER_SOCKET);
    const due = pending.get(sessionId);
    if (due) clearTimeout(due.timer);
    const since = due?.since ?? now;
    const timer = setTimeout(
      () => {
        pending.delete(sessionId);
        void run(sessionId);
      },
      Math.max(0, Math.min(since + cap, now + quiet) - now),
    );
    pending.set(sessionId, { since, timer });
  };

  gw.presence.onChange(schedule);
  return {
    async view(sessionId, self) {
      if (!views.has(sessionId)) {
        const ids = await gw.presence.userIds(sessionId);
        if (!views.has(sessionId)) views.set(sessionId, roomState(ids, 0));
      }
      const view = views.get(sessionId)!;
      const { ids, here, seq } = view;
      // The joiner is in even before the next broadcast says so: after everyone else.
      const extra = self !== undefined && !here.has(self) ? self : undefined;
      if (extra !== undefined && ids.length < LIMITS.peoplePage) view.extras.add(extra);
      return {
        count: ids.length + (extra === undefined ? 0 : 1),
        seq,
        slice(offset, limit = Number.POSITIVE_INFINITY) {
          const out = ids.slice(offset, offset + limit);
          if (extra !== undefined && out.length < limit && offset <= ids.length) out.push(extra);
          return out;
        },
        has: (userId) => userId === extra || here.has(userId),
      };
    },
    stop() {
      stopped = true;
      for (const { timer } of pending.values()) clearTimeout(timer);
      pending.clear();
    },
  };
}

/** `prev`'s order kept for those still here, newcomers (in `now`'s order) at the end. */
function order(prev: string[], now: string[]): string[] {
  const here = new Set(now);
  const ids = prev.filter((id) => here.has(id));
  const kept = new Set(ids);
  for (const id of now) if (!kept.has(id)) ids.push(id);
  return ids;
}
