import { randomUUID } from "node:crypto";
import type { Logger } from "@engunity/core";
import { toError } from "@engunity/core";
import type { Redis } from "ioredis";
import { LocalPresence } from "./localPresence";
import type { PresenceStore } from "./presenceStore";

/** How often a node renews its heartbeat and looks for dead nodes. */
const HEARTBEAT_MS = 1000;
/** A node whose heartbeat is this old is dead; its users drop out of presence. */
const HEARTBEAT_TTL_MS = 4000;

/**
 * Drops one node's presence entries atomically, and tells every node which sessions
 * changed. Unless forced, it does nothing when the node's heartbeat is alive — so a
 * node that comes back and re-registers can never lose entries to a late sweep.
 * (Keys are built inside the script: fine on a single Redis, not on Cluster.)
 */
const DROP_NODE_SCRIPT = `
local P, node, force = ARGV[1], ARGV[2], ARGV[3]
if force ~= '1' and redis.call('EXISTS', P .. ':hb:' .. node) == 1 then return {} end
local sids = redis.call('SMEMBERS', P .. ':n:' .. node)
local mark = node .. '|'
for _, sid in ipairs(sids) do
  local key = P .. ':s:' .. sid
  for _, m in ipairs(redis.call('SMEMBERS', key)) do
    if string.sub(m, 1, #mark) == mark then redis.call('SREM', key, m) end
  end
  redis.call('PUBLISH', P .. ':changed', sid)
end
redis.call('DEL', P .. ':n:' .. node)
redis.call('SREM', P .. ':nodes', node)
return sids
`;

export interface RedisPresenceOptions {
  /** Command connection (the node's shared one). */
  redis: Redis;
  /** A connection of its own for the change channel (subscriber mode). */
  subscriber: Redis;
  /** `${REDIS_PREFIX}:presence` */
  keyPrefix: string;
  logger: Logger;
}

/**
 * Cross-node presence in Redis. Per session a set of `node|user` entries; per node a
 * heartbeat key with a TTL and the set of sessions it has entries in. Readers ignore
 * entries of nodes without a heartbeat, and every node sweeps dead nodes' entries
 * away (publishing the change) so rooms learn of the drop within seconds.
 *
 * Redis may go away: commands fail, are logged once, and the next heartbeat that
 * gets through re-registers this node's entries from its local counts.
 */
export function createRedisPresence(opts: RedisPresenceOptions): PresenceStore {
  const { redis, subscriber, keyPrefix: P, logger } = opts;
  const nodeId = randomUUID();
  const channel = `${P}:changed`;
  const local = new LocalPresence();
  const listeners: ((sessionId: string) => void)[] = [];
  let needsResync = false;
  let failing = false;
  let closed = false;

  const failed = (what: string) => (err: unknown) => {
    needsResync = true;
    if (!failing)
      logger.warn({ err: toError(err).message, what }, "presence: redis command failed");
    failing = true;
  };

  // One connection keeps commands in the order they are sent, so an add and the change
  // notice after it reach Redis in that order without waiting for replies.
  const register = (sessionId: string, userId: string) => {
    // Listed among the nodes before any entry exists, so a node dying at any point
    // after this is found and swept.
    void redis.sadd(`${P}:nodes`, nodeId).catch(failed("add"));
    void redis.sadd(`${P}:s:${sessionId}`, `${nodeId}|${userId}`).catch(failed("add"));
    void redis.sadd(`${P}:n:${nodeId}`, sessionId).catch(failed("add"));
  };
  const publish = (sessionId: string) => {
    void redis.publish(channel, sessionId).catch(failed("publish"));
  };

  const dropNode = (node: string, force: boolean) =>
    redis.eval(DROP_NODE_SCRIPT, 0, P, node, force ? "1" : "0") as Promise<string[]>;

  const resync = async () => {
    await dropNode(nodeId, true);
    const sessions = new Set<string>();
    for (const [sessionId, userId] of local.entries()) {
      register(sessionId, userId);
      sessions.add(sessionId);
    }
    for (const sessionId of sessions) publish(sessionId);
  };

  const sweep = async () => {
    const nodes = (await redis.smembers(`${P}:nodes`)).filter((n) => n !== nodeId);
    if (!nodes.length) return;
    const pipeline = redis.pipeline();
    for (const node of nodes) pipeline.exists(`${P}:hb:${node}`);
    const alive = (await pipeline.exec()) ?? [];
    for (const [i, node] of nodes.entries()) {
      if (alive[i]?.[1] === 0) {
        const sessions = await dropNode(node, false);
        if (sessions.length)
          logger.info({ node, sessions: sessions.length }, "presence: dropped a dead node");
      }
    }
  };

  const beat = async () => {
    // SET … GET: a missing previous value means our heartbeat lapsed (Redis was away
    // longer than the TTL) and another node may have swept our entries.
    const [beatResult] =
      (await redis
        .multi()
        .set(`${P}:hb:${nodeId}`, "1", "PX", HEARTBEAT_TTL_MS, "GET")
        .sadd(`${P}:nodes`, nodeId)
        .exec()) ?? [];
    if (beatResult?.[0]) throw beatResult[0];
    const previous = beatResult?.[1] as string | null | undefined;
    if (failing) logger.info("presence: redis reachable again");
    failing = false;
    if (previous == null || needsResync) {
      needsResync = false;
      await resync();
    }
    await sweep();
  };

  let running = false;
  const tick = () => {
    if (running || closed) return;
    running = true;
    beat()
      .catch(failed("heartbeat"))
      .finally(() => {
        running = false;
      });
  };
  const timer = setInterval(tick, HEARTBEAT_MS);
  timer.unref();
  tick();

  subscriber.on("message", (ch: string, sessionId: string) => {
    if (ch !== channel) return;
    for (const listener of listeners) listener(sessionId);
  });
  void subscriber.subscribe(channel).catch(failed("subscribe"));

  return {
    add(sessionId, userId) {
      if (!local.add(sessionId, userId)) return;
      register(sessionId, userId);
      publish(sessionId);
    },
    remove(sessionId, userId) {
      if (!local.remove(sessionId, userId)) return;
      void redis.srem(`${P}:s:${sessionId}`, `${nodeId}|${userId}`).catch(failed("remove"));
      if (!local.hasSession(sessionId))
        void redis.srem(`${P}:n:${nodeId}`, sessionId).catch(failed("remove"));
      publish(sessionId);
    },
    async userIds(sessionId) {
      const users = new Set(local.userIds(sessionId));
      try {
        const entries = await redis.smembers(`${P}:s:${sessionId}`);
        const byNode = new Map<string, string[]>();
        for (const entry of entries) {
          const [node, userId] = entry.split("|");
          if (!node || !userId || node === nodeId) continue;
          byNode.set(node, [...(byNode.get(node) ?? []), userId]);
        }
        if (byNode.size) {
          const nodes = [...byNode.keys()];
          const pipeline = redis.pipeline();
          for (const node of nodes) pipeline.exists(`${P}:hb:${node}`);
          const alive = (await pipeline.exec()) ?? [];
          for (const [i, node] of nodes.entries()) {
            if (alive[i]?.[1] === 1) for (const userId of byNode.get(node)!) users.add(userId);
          }
        }
      } catch (err) {
        // Redis away: this node's own users are still right; others show up again later.
        failed("read")(err);
      }
      return [...users];
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      clearInterval(timer);
      // Leave at once rather than waiting for the heartbeat to lapse.
      await redis.del(`${P}:hb:${nodeId}`).catch(() => {});
      await dropNode(nodeId, true).catch(() => {});
      // Quitting waits for a reply that never comes while Redis is down.
      if (subscriber.status === "ready") await subscriber.quit().catch(() => {});
      subscriber.disconnect();
    },
  };
}
