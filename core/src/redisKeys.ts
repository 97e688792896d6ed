/**
 * Every Redis key and channel Engunity uses, built in one place from `REDIS_PREFIX`.
 * Two processes that must meet on a key (a realtime node's Socket.IO adapter and a
 * worker's emitter, a worker's token log and a node's resume) both take it from here,
 * so they cannot drift apart and silently miss each other.
 */
export interface RedisKeys {
  /** Socket.IO redis adapter and `@socket.io/redis-emitter` (must be equal on both sides). */
  socketIo: string;
  /** Prefix of cross-node presence keys and channels. */
  presence: string;
  /** BullMQ's own key prefix for the job queues. */
  bull: string;
  /** Hash: epoch and state of one generation. */
  aiGeneration(messageId: string): string;
  /** Stream: the resume log of one generation's batches. */
  aiLog(messageId: string): string;
  /** Set: the generations running in one session. */
  aiRunning(sessionId: string): string;
  /** Channel: one generation's events (deltas, done, cancel). */
  aiEvents(messageId: string): string;
  /** Key: a stop asked for before the worker subscribed. */
  aiCancel(messageId: string): string;
  /** Hash: one provider's health (breaker state, remembered rate limit, last error). */
  aiHealth(provider: string): string;
  /** Key: the one half-open probe of a provider's breaker. */
  aiProbe(provider: string): string;
  /** Counter: one user's AI tokens on one UTC day (`YYYY-MM-DD`). */
  aiUsage(day: string, userId: string): string;
  /** Channel: document ready/deleted events (worker index caches, ingest cancel). */
  documentEvents: string;
  /** Channel prefix of Yjs document sync between nodes; the room name follows. */
  yjsChannelPrefix: string;
  /** Key: one single-use Yjs ticket. */
  yjsTicket(ticket: string): string;
  /** Key prefix of one rate limiter (`login`, `register`, `msg`, `ai`, …). */
  rateLimit(name: string): string;
  /** Channel: revoked login sessions and users (every node cuts their connections). */
  revocations: string;
  /** Channel: memberships whose cached access every node drops (realtime/src/accessCache.ts). */
  accessDrops: string;
}

/** The keys under `prefix` (the validated `REDIS_PREFIX`). */
export function redisKeys(prefix: string): RedisKeys {
  return {
    socketIo: `${prefix}:sio`,
    presence: `${prefix}:presence`,
    bull: `${prefix}:bull`,
    aiGeneration: (id) => `${prefix}:ai:gen:${id}`,
    aiLog: (id) => `${prefix}:ai:log:${id}`,
    aiRunning: (sessionId) => `${prefix}:ai:running:${sessionId}`,
    aiEvents: (id) => `${prefix}:ai:ev:${id}`,
    aiCancel: (id) => `${prefix}:ai:cancel:${id}`,
    aiHealth: (provider) => `${prefix}:ai:health:${provider}`,
    aiProbe: (provider) => `${prefix}:ai:probe:${provider}`,
    aiUsage: (day, userId) => `${prefix}:ai:usage:${day}:${userId}`,
    documentEvents: `${prefix}:docs:events`,
    yjsChannelPrefix: `${prefix}:yjs:`,
    yjsTicket: (ticket) => `${prefix}:yjs-ticket:${ticket}`,
    rateLimit: (name) => `${prefix}:rl:${name}`,
    revocations: `${prefix}:revocations`,
    accessDrops: `${prefix}:access-drops`,
  };
}
