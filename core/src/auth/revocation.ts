import { EventEmitter } from "node:events";
import { type Db, loginLiveness, noteLoginsSeen, revokeLoginSessions } from "@engunity/db";
import type { Redis } from "ioredis";
import type { Logger } from "../logger";

/**
 * What was revoked: one login session of a user (`loginSessionId`), or all of them
 * (none given), optionally sparing one (`except`: a password change keeps the
 * session that made it).
 */
export interface RevocationEvent {
  userId: string;
  loginSessionId?: string;
  except?: string;
}

/**
 * The one place a sign-in is killed: logout, logout-all, a login session deleted from
 * the list, a password change, deactivation and account deletion all come here. It
 * marks the stored login sessions revoked, then tells every node (through Redis, or
 * in process in embedded mode); each node drops its cache entries and its transports
 * (Socket.IO gateway, Yjs server) cut the matching live connections at once.
 *
 * Every request and handshake asks `check` (cached per node for `cacheMs`; the cache
 * is dropped by the same message, so a revocation bites within one Redis hop).
 */
export interface Revocation {
  /**
   * Whether a user token's login session is live: it exists, belongs to `userId`, is
   * neither revoked nor expired, and its user is active. Notes "last seen" at most
   * once a minute. `fresh` skips the cache (a handshake: deactivation refuses at once)
   * and refills it.
   */
  check(userId: string, loginSessionId: string, opts?: { fresh?: boolean }): Promise<boolean>;
  /**
   * A handshake's check: `check` with `fresh`, in the same one statement as the sessions
   * the user is a member of (a socket's watch rooms). Null when the login is not live.
   */
  admit(userId: string, loginSessionId: string): Promise<{ sessionIds: string[] } | null>;
  /** Revokes one login session; its connections on every node are cut. */
  revokeLoginSession(userId: string, loginSessionId: string): Promise<void>;
  /** Revokes every login session of a user (but `except`); every connection is cut. */
  revokeUser(userId: string, opts?: { except?: string }): Promise<void>;
  /** Called on every node for every revocation, wherever it was made. Returns an unsubscribe. */
  onRevoke(listener: (event: RevocationEvent) => void): () => void;
  /**
   * Called on this node when its subscription is back after a break (Redis restarted,
   * the connection dropped): what was published meanwhile never reached it, so whoever
   * holds connections open checks them again. Returns an unsubscribe.
   */
  onResubscribed(listener: () => void): () => void;
  close(): Promise<void>;
}

interface CacheEntry {
  userId: string;
  live: boolean;
  at: number;
}

const LAST_SEEN_EVERY_MS = 60_000;
const SEEN_BATCH_MS = 2_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a revocation event covers a given connection's login session. */
export function revocationCovers(
  event: RevocationEvent,
  userId: string,
  loginSessionId: string | undefined,
): boolean {
  if (event.userId !== userId) return false;
  if (event.loginSessionId) return event.loginSessionId === loginSessionId;
  return event.except === undefined || event.except !== loginSessionId;
}

export function createRevocation(opts: {
  db: Db;
  logger: Logger;
  /** Both or neither: scaled mode publishes on `publisher` and listens on `subscriber`. */
  redis?: { publisher: Redis; subscriber: Redis; channel: string };
  cacheMs?: number;
}): Revocation {
  const { db, logger } = opts;
  const cacheMs = opts.cacheMs ?? 30_000;
  const cache = new Map<string, CacheEntry>();
  const lastSeen = new Map<string, number>();
  const local = new EventEmitter();
  local.setMaxListeners(0);
  /** Bumped by every revocation: a check that read before it must not cache what it read. */
  let generation = 0;

  const apply = (event: RevocationEvent) => {
    generation += 1;
    for (const [id, entry] of cache) {
      if (entry.userId === event.userId) cache.delete(id);
    }
    local.emit("revoke", event);
  };

  const redis = opts.redis;
  if (redis) {
    redis.subscriber.on("message", (channel: string, raw: string) => {
      if (channel !== redis.channel) return;
      try {
        const event = JSON.parse(raw) as RevocationEvent;
        if (typeof event.userId === "string") apply(event);
      } catch (err) {
        logger.warn({ err: (err as Error).message }, "revocation: bad message");
      }
    });
    void redis.subscriber
      .subscribe(redis.channel)
      .catch((err: Error) => logger.error({ err: err.message }, "revocation: subscribe failed"));
    // Pub/sub keeps nothing for a subscriber that was away: after a reconnect, drop the
    // cache (it may hold a login revoked meanwhile as live) and, once subscribed again
    // (so a revocation from then on is heard), tell the transports to check what they hold.
    let connected = redis.subscriber.status === "ready";
    redis.subscriber.on("ready", () => {
      if (!connected) {
        connected = true;
        return;
      }
      generation += 1;
      cache.clear();
      redis.subscriber.subscribe(redis.channel).then(
        () => local.emit("resubscribed"),
        (err: Error) => logger.error({ err: err.message }, "revocation: resubscribe failed"),
      );
    });
  }

  const announce = async (event: RevocationEvent) => {
    if (!redis) return apply(event);
    // Apply here at once (this node must not wait on Redis); peers hear it through Redis
    // and this node's own echo is harmless (cutting is idempotent).
    apply(event);
    try {
      await redis.publisher.publish(redis.channel, JSON.stringify(event));
    } catch (err) {
      // Other nodes then learn it when their cache entry expires (cacheMs).
      logger.error({ err: (err as Error).message }, "revocation: publish failed");
    }
  };

  // "Last seen" writes are batched: one UPDATE for every login noted in a window, not
  // one per request (a reconnect storm is thousands of first requests at once).
  const seen = new Set<string>();
  let seenTimer: NodeJS.Timeout | null = null;
  const flushSeen = async () => {
    seenTimer = null;
    const ids = [...seen];
    seen.clear();
    await noteLoginsSeen(db, ids, new Date()).catch((err: Error) =>
      logger.debug({ err: err.message }, "revocation: last seen not noted"),
    );
  };
  const touch = (loginSessionId: string) => {
    const now = Date.now();
    if (now - (lastSeen.get(loginSessionId) ?? 0) < LAST_SEEN_EVERY_MS) return;
    lastSeen.set(loginSessionId, now);
    if (lastSeen.size > 50_000) lastSeen.clear();
    seen.add(loginSessionId);
    seenTimer ??= setTimeout(flushSeen, SEEN_BATCH_MS).unref();
  };

  /** Reads the login fresh and refills the cache. Null for a malformed id (a refusal). */
  const readLogin = async (userId: string, loginSessionId: string) => {
    // Token claims are signed by us, but a malformed id must be a refusal, not a
    // database error (Postgres rejects a non-uuid literal).
    if (!UUID.test(userId) || !UUID.test(loginSessionId)) return null;
    const now = Date.now();
    const before = generation;
    const read = await loginLiveness(db, userId, loginSessionId);
    const live = read.active && read.live;
    if (generation === before) {
      cache.set(loginSessionId, { userId, live, at: now });
      if (cache.size > 50_000) cache.clear();
    }
    if (live) touch(loginSessionId);
    return live ? read : null;
  };

  return {
    async check(userId, loginSessionId, checkOpts = {}) {
      const hit = cache.get(loginSessionId);
      if (!checkOpts.fresh && hit && hit.userId === userId && Date.now() - hit.at < cacheMs) {
        if (hit.live) touch(loginSessionId);
        return hit.live;
      }
      return (await readLogin(userId, loginSessionId)) !== null;
    },

    async admit(userId, loginSessionId) {
      const read = await readLogin(userId, loginSessionId);
      return read && { sessionIds: read.sessionIds };
    },

    async revokeLoginSession(userId, loginSessionId) {
      await revokeLoginSessions(db, userId, { id: loginSessionId });
      await announce({ userId, loginSessionId });
    },

    async revokeUser(userId, revokeOpts = {}) {
      await revokeLoginSessions(db, userId, { except: revokeOpts.except });
      await announce(revokeOpts.except ? { userId, except: revokeOpts.except } : { userId });
    },

    onRevoke(listener) {
      local.on("revoke", listener);
      return () => local.off("revoke", listener);
    },

    onResubscribed(listener) {
      local.on("resubscribed", listener);
      return () => local.off("resubscribed", listener);
    },

    async close() {
      local.removeAllListeners();
      if (seenTimer) {
        clearTimeout(seenTimer);
        await flushSeen();
      }
      if (redis) await redis.subscriber.unsubscribe(redis.channel).catch(() => {});
    },
  };
}
