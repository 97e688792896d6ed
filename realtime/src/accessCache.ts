import {
  authorizeAccess,
  can,
  type Logger,
  type SessionAccess,
  type SessionAction,
} from "@engunity/core";
import type { Db } from "@engunity/db";
import type { Redis } from "ioredis";

/**
 * Per-node cache of `authorizeAccess` (the membership, its session and its user, read
 * in one query), keyed by (user, session), for the message send path: a member who
 * sends a thousand messages is read once, not a thousand times.
 *
 * What it holds is a hint, never the last word on trust. Whoever writes on the strength
 * of a cached entry must have the write itself check the membership (the send's INSERT
 * does: `createMessages` with `writer`), so a removed member, a viewer or a deactivated
 * account is refused at once on every node whatever this cache still says. On such a refusal the caller
 * `forget`s the entry and reads again uncached.
 *
 * It stays fresh for the rest (the session's settings, the author's name) through the
 * events that change it, on every node: `drop` applies here at once and reaches the
 * other nodes through Redis (scaled mode); member removal, role change, session
 * update or deletion, a profile change, and every revocation of a user (sign-out,
 * deactivation, deletion) drop what they touch. Entries also expire after `ttlMs`,
 * which bounds what a missed drop (a Redis blip) can cost. Refusals are never cached.
 */
export interface AccessCache {
  /** Like `authorizeAccess`, from the cache when it holds the pair. */
  authorize(userId: string, sessionId: string, action: SessionAction): Promise<SessionAccess>;
  /**
   * Drops entries on this node only: one a write refused, or those of a user every node
   * hears of anyway (a revocation).
   */
  forget(scope: AccessScope): void;
  /**
   * Drops the entries of a session (`userId` absent), of a user (`sessionId` absent), or
   * of one pair, on this node and on every other.
   */
  drop(scope: AccessScope): void;
  close(): Promise<void>;
}

export type AccessScope =
  | { sessionId: string; userId?: string }
  | { sessionId?: string; userId: string };

interface Entry {
  access: SessionAccess;
  at: number;
}

const MAX_ENTRIES = 20_000;

export function createAccessCache(opts: {
  db: Db;
  logger: Logger;
  /** Both or neither: scaled mode publishes on `publisher` and listens on `subscriber`. */
  redis?: { publisher: Redis; subscriber: Redis; channel: string };
  ttlMs?: number;
}): AccessCache {
  const { db, logger } = opts;
  const ttlMs = opts.ttlMs ?? 30_000;
  const entries = new Map<string, Entry>();
  /** Bumped by every drop: a read that started before one must not store what it read. */
  let generation = 0;
  const keyOf = (userId: string, sessionId: string) => `${sessionId}/${userId}`;

  const apply = (scope: AccessScope) => {
    generation += 1;
    if (scope.sessionId && scope.userId) {
      entries.delete(keyOf(scope.userId, scope.sessionId));
      return;
    }
    for (const [key, entry] of entries) {
      const { member } = entry.access;
      if (member.sessionId === scope.sessionId || member.userId === scope.userId) {
        entries.delete(key);
      }
    }
  };

  const redis = opts.redis;
  const onMessage = (channel: string, raw: string) => {
    if (channel !== redis?.channel) return;
    try {
      const scope = JSON.parse(raw) as Partial<AccessScope>;
      if (typeof scope.sessionId === "string" || typeof scope.userId === "string") {
        apply(scope as AccessScope);
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "access cache: bad message");
    }
  };
  if (redis) {
    redis.subscriber.on("message", onMessage);
    void redis.subscriber
      .subscribe(redis.channel)
      .catch((err: Error) => logger.error({ err: err.message }, "access cache: subscribe failed"));
  }

  return {
    async authorize(userId, sessionId, action) {
      const key = keyOf(userId, sessionId);
      const hit = entries.get(key);
      const now = Date.now();
      if (hit && now - hit.at < ttlMs) {
        const { member } = hit.access;
        if (!can(member.role, action)) {
          // The same refusal `authorizeAccess` gives, from a fresh read.
          entries.delete(key);
          return authorizeAccess(db, userId, sessionId, action);
        }
        return hit.access;
      }
      const before = generation;
      const access = await authorizeAccess(db, userId, sessionId, action);
      if (generation === before) {
        if (entries.size >= MAX_ENTRIES) entries.clear();
        entries.set(key, { access, at: now });
      }
      return access;
    },

    forget: apply,

    drop(scope) {
      apply(scope);
      if (!redis) return;
      // Peers hear it through Redis; this node's own echo drops nothing new.
      redis.publisher.publish(redis.channel, JSON.stringify(scope)).catch((err: Error) => {
        // Peers then refresh when their entry expires (ttlMs); trust never rests on it.
        logger.error({ err: err.message }, "access cache: publish failed");
      });
    },

    async close() {
      entries.clear();
      if (redis) {
        redis.subscriber.off("message", onMessage);
        await redis.subscriber.unsubscribe(redis.channel).catch(() => {});
      }
    },
  };
}
