import type { ChatSession } from "@engunity/db";
import { countMembers, getHistory, presentMessage } from "@engunity/db";
import { LIMITS, type Member, type Message } from "@engunity/shared";
import { loadMembers } from "../announce";
import type { AppContext } from "../context";

/**
 * Bounds what a change outside the room's events leaves stale (a user's new display
 * name, a returning visitor's page): the same minute the user directory keeps names.
 */
export const SNAPSHOT_TTL_MS = 60_000;

/** What every joiner of a room is shown alike: read once per room, not once per join. */
export interface JoinSnapshot {
  session: ChatSession;
  /** The history page, oldest first, presented. */
  messages: Message[];
  /** The first page of members, presented, nobody marked online yet. */
  members: Member[];
  memberCount: number;
}

export interface JoinSnapshots {
  /** The room's snapshot; null when the session is gone. */
  get(sessionId: string): Promise<JoinSnapshot | null>;
  /** The room had an event that may change its snapshot: read it again next time. */
  changed(sessionId: string): void;
  /** Events may have been missed (Redis was away): read every room's again. */
  clear(): void;
}

/**
 * A per-room cache of the join ack's shared part, for the join storm: a room filling up
 * reads its session, history page and members page once instead of once per joiner.
 *
 * Correct as long as `changed` is called, on this node, no later than the room's sockets
 * here receive any event that changes the snapshot (`roomEvents.ts` hooks the adapter's
 * delivery for that), and the joiner is in the room before it calls `get`: then every
 * change is either in what it is given or delivered to it afterwards — as with a read of
 * its own. A read that began before a change is dropped with the entry (`changed`
 * deletes it), so it is neither kept nor handed to anyone who asks after the change.
 */
export function createJoinSnapshots(
  load: (sessionId: string) => Promise<JoinSnapshot | null>,
  opts: { ttlMs?: number; now?: () => number } = {},
): JoinSnapshots {
  const ttlMs = opts.ttlMs ?? SNAPSHOT_TTL_MS;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { value: Promise<JoinSnapshot | null>; at: number }>();
  return {
    get(sessionId) {
      const hit = entries.get(sessionId);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      const entry = { value: load(sessionId), at: now() };
      entries.set(sessionId, entry);
      const forget = () => {
        if (entries.get(sessionId) === entry) entries.delete(sessionId);
      };
      entry.value.then((snapshot) => {
        if (!snapshot) forget();
      }, forget);
      return entry.value;
    },
    changed(sessionId) {
      entries.delete(sessionId);
    },
    clear() {
      entries.clear();
    },
  };
}

/** The snapshot as the database has it now: four reads, run together. */
export async function readJoinSnapshot(
  ctx: Pick<AppContext, "db">,
  sessionId: string,
): Promise<JoinSnapshot | null> {
  const { db } = ctx;
  const [history, session, members, memberCount] = await Promise.all([
    getHistory(db, sessionId, { limit: LIMITS.joinHistory }),
    db.models.ChatSession.findByPk(sessionId),
    loadMembers(db, sessionId, { offset: 0, limit: LIMITS.peoplePage }),
    countMembers(db, sessionId),
  ]);
  if (!history || !session) return null;
  return { session, messages: history.messages.map(presentMessage), members, memberCount };
}
