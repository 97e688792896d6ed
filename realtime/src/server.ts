import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type Config,
  connectRedis,
  createLogger,
  createRateLimiter,
  createRevocation,
  type Logger,
  openAiRuntime,
  originAllowed,
  type RoomEmitter,
  redisKeys,
  setPasswordHashConcurrency,
  settlesWithin,
  silentEmitter,
} from "@engunity/core";
import { createDb, createEventRecorder, type Db } from "@engunity/db";
import type { AppContext } from "./context";
import { createApp } from "./http/app";
import { createMetrics } from "./metrics";
import { revokeUserConnections } from "./revokeUserConnections";
import { attachGateway } from "./sockets";
import { attachYjsServer, type YjsServer } from "./yjs/yjsServer";

export interface RealtimeNode {
  ctx: AppContext;
  httpServer: Server;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The `/yjs/` endpoint: open docs and connections, for tests and benchmarks. */
  yjs: YjsServer;
  /**
   * Graceful shutdown: readiness turns 503, the port stops accepting, Socket.IO and Yjs
   * clients are told to reconnect (elsewhere, through the proxy), open docs are stored,
   * open HTTP requests get `SHUTDOWN_GRACE_MS`, then Redis and the database close.
   */
  close(): Promise<void>;
}

export interface NodeOptions {
  logger?: Logger;
  /** Use this database instead of opening one (tests share one between nodes). */
  db?: Db;
  /** Skip migrations (the caller ran them). */
  skipMigrate?: boolean;
  /** ROLE=all: the vector index this process's retrieval uses, reported by `/health`. */
  retrievalIndex?: "faiss" | "exact";
}

/**
 * Starts a realtime node: database (migrated), optional Redis, the REST app on an HTTP
 * server listening on `config.PORT` (0 = any free port).
 */
export async function startRealtimeNode(
  config: Config,
  options: NodeOptions = {},
): Promise<RealtimeNode> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  const ownsDb = !options.db;
  const db =
    options.db ?? createDb({ databaseUrl: config.DATABASE_URL, sqlitePath: config.sqlitePath });
  if (!options.skipMigrate) {
    const ran = await db.migrate();
    if (ran.length) logger.info({ migrations: ran }, "database migrated");
  }
  const redis = config.REDIS_URL
    ? connectRedis(config.REDIS_URL, logger, "engunity-realtime")
    : null;
  const limiterRedis = redis ?? undefined;
  const emitter: RoomEmitter = silentEmitter;
  const ai = openAiRuntime(config, logger);
  let draining = false;
  if (config.PASSWORD_HASH_CONCURRENCY)
    setPasswordHashConcurrency(config.PASSWORD_HASH_CONCURRENCY);
  const revocationSubscriber = config.REDIS_URL
    ? connectRedis(config.REDIS_URL, logger, "engunity-revocation-sub", { waitForConnection: true })
    : null;
  const revocation = createRevocation({
    db,
    logger,
    redis:
      redis && revocationSubscriber
        ? {
            publisher: redis,
            subscriber: revocationSubscriber,
            channel: redisKeys(config.REDIS_PREFIX).revocations,
          }
        : undefined,
  });

  const ctx: AppContext = {
    config,
    retrievalIndex: options.retrievalIndex,
    db,
    logger,
    metrics: createMetrics(),
    redis,
    emitter,
    limiters: {
      login: createRateLimiter({
        keyPrefix: redisKeys(config.REDIS_PREFIX).rateLimit("login"),
        points: config.LOGIN_RATE_LIMIT,
        durationSeconds: 15 * 60,
        redis: limiterRedis,
      }),
      loginIp: createRateLimiter({
        keyPrefix: redisKeys(config.REDIS_PREFIX).rateLimit("login-ip"),
        points: config.LOGIN_IP_RATE_PER_MINUTE,
        durationSeconds: 60,
        redis: limiterRedis,
      }),
      writes: createRateLimiter({
        keyPrefix: redisKeys(config.REDIS_PREFIX).rateLimit("write"),
        points: config.WRITE_RATE_PER_MINUTE,
        durationSeconds: 60,
        redis: limiterRedis,
      }),
      register: createRateLimiter({
        keyPrefix: redisKeys(config.REDIS_PREFIX).rateLimit("register"),
        points: 30,
        durationSeconds: 3600,
        redis: limiterRedis,
      }),
      messages: createRateLimiter({
        keyPrefix: redisKeys(config.REDIS_PREFIX).rateLimit("msg"),
        points: config.MESSAGE_RATE_PER_SECOND,
        durationSeconds: 1,
        redis: limiterRedis,
      }),
      ai: createRateLimiter({
        keyPrefix: redisKeys(config.REDIS_PREFIX).rateLimit("ai"),
        points: config.AI_RATE_PER_MINUTE,
        durationSeconds: 60,
        redis: limiterRedis,
      }),
    },
    publicUrl: (origin, host) => {
      if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/$/, "");
      // An attacker-chosen Origin must not become the link a victim is sent.
      if (origin && originAllowed(origin, host, config.ALLOWED_ORIGINS)) {
        return origin.trim().replace(/\/$/, "");
      }
      return `http://${host ?? `localhost:${config.PORT}`}`;
    },
    revocation,
    roleChanged: () => {},
    evict: () => {},
    watch: () => {},
    cutWidgetKey: () => {},
    onlineUserIds: async () => new Set(),
    docs: { setTitle: async () => {} },
    runningGenerations: (sessionId) => ai.log.running(sessionId),
    ai,
    events: createEventRecorder(db, {
      retentionDays: config.EVENT_RETENTION_DAYS,
      onError: (err) => logger.warn({ err }, "could not store failure events"),
    }),
    revokeUserConnections: async () => {},
    draining: () => draining,
  };

  const app = createApp(ctx);
  const httpServer = createServer(app);
  // Sets ctx.emitter, ctx.evict and ctx.onlineUserIds to the Socket.IO rooms.
  const gateway = attachGateway(ctx, httpServer);
  const redisUrl = config.REDIS_URL;
  const yjs = attachYjsServer(ctx, httpServer, {
    createRedis: redisUrl ? (name) => connectRedis(redisUrl, logger, name) : undefined,
  });
  ctx.docs = yjs.edits;
  ctx.roleChanged = (sessionId, userId, canWrite) => yjs.setRole(sessionId, userId, canWrite);
  const evictSockets = ctx.evict;
  // A removed member loses the co-edited doc too, not only the Socket.IO room.
  ctx.evict = (sessionId, userId) => {
    evictSockets(sessionId, userId);
    yjs.evict(sessionId, userId);
  };
  ctx.revokeUserConnections = (userId) => revokeUserConnections({ revocation }, userId);
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      draining = true;
      if (config.SHUTDOWN_DRAIN_MS > 0)
        await new Promise((r) => setTimeout(r, config.SHUTDOWN_DRAIN_MS));
      // Refused from now on: a proxy passes the next request or handshake to another node.
      const served = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      // Closes the transports: clients see a dropped connection and reconnect.
      await gateway.close();
      // Stores every open doc before the database goes.
      await yjs.close();
      // An SSE answer still streaming may finish; then whatever is left is cut.
      if (!(await settlesWithin(served, config.SHUTDOWN_GRACE_MS))) {
        httpServer.closeAllConnections();
        await served;
      }
      await ai.close();
      await revocation.close();
      if (revocationSubscriber) revocationSubscriber.disconnect();
      await ctx.events.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
      if (ownsDb) await db.close();
    })();
    return closing;
  };
  return { ctx, httpServer, url, port, yjs, close };
}
