import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AiRuntime,
  type Config,
  connectRedis,
  createLogger,
  createRateLimiter,
  createRevocation,
  type Logger,
  openAiRuntime,
  openDb,
  originAllowed,
  ProviderCatalog,
  redisKeys,
  setPasswordHashConcurrency,
  settlesWithin,
} from "@engunity/core";
import { createEventRecorder, type Db } from "@engunity/db";
import type { Redis } from "ioredis";
import { createAccessCache } from "./accessCache";
import type { AppContext } from "./context";
import { createApp } from "./http/app";
import { createMetrics } from "./metrics";
import { revokeUserConnections } from "./revokeUserConnections";
import { attachGateway, createSocketRooms } from "./sockets";
import type { GatewayServer } from "./sockets/types";
import { createTicketStore } from "./yjs/tickets";
import { createYjsServer, type YjsServer } from "./yjs/yjsServer";

export interface RealtimeNode {
  ctx: AppContext;
  httpServer: Server;
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The `/yjs/` endpoint: open docs and connections, for tests and benchmarks. */
  yjs: YjsServer;
  /** The Socket.IO server (its adapter's rooms), for tests and benchmarks. */
  io: GatewayServer;
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
  /**
   * Use this AI runtime instead of opening one (ROLE=all: the worker in this process
   * consumes the same in-memory queue). The caller closes it.
   */
  ai?: AiRuntime;
  /** ROLE=all: the vector index this process's retrieval uses, reported by `/health`. */
  retrievalIndex?: "faiss" | "exact";
}

/**
 * The composition root of a realtime node: every part it runs is built here, once, in
 * the order below, and handed down; the context is complete and frozen before any
 * handler sees it. Reading this function tells what a node is made of:
 *
 * 1. storage: the database (migrated), Redis (scaled mode), the AI runtime (queues,
 *    resume log, buses, usage meter, provider health; passed in for ROLE=all);
 * 2. node services: metrics, rate limiters, login sessions (revocation), failure
 *    events, Yjs tickets, the provider catalog;
 * 3. transports: the Socket.IO rooms (emitter, evict, watch, presence) and the Yjs
 *    endpoint (doc registry, peer sync, role watching);
 * 4. the context from all of the above, then the REST app, the HTTP server, and the
 *    transports attached to it.
 *
 * `config.PORT` 0 listens on any free port.
 */
export async function startRealtimeNode(
  config: Config,
  options: NodeOptions = {},
): Promise<RealtimeNode> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL);
  if (config.PASSWORD_HASH_CONCURRENCY)
    setPasswordHashConcurrency(config.PASSWORD_HASH_CONCURRENCY);

  // 1. Storage.
  const ownsDb = !options.db;
  const db = options.db ?? openDb(config);
  if (!options.skipMigrate) {
    const ran = await db.migrate();
    if (ran.length) logger.info({ migrations: ran }, "database migrated");
  }
  const redisUrl = config.REDIS_URL;
  const createRedis = redisUrl
    ? (name: string, opts?: Parameters<typeof connectRedis>[3]) =>
        connectRedis(redisUrl, logger, name, opts)
    : undefined;
  // Auto-pipelined: commands of one loop turn (presence, tickets, revocations) go out
  // in one write.
  const redis = createRedis?.("engunity-realtime", { autoPipeline: true }) ?? null;
  // The rate limits on a connection of their own, not auto-pipelined: a send waits for
  // its spend before it stores, and an auto-pipelined command is written only at the
  // loop turn's end (setImmediate), after every other callback of that turn.
  const limitsRedis = createRedis?.("engunity-limits") ?? null;
  const ownsAi = !options.ai;
  const ai = options.ai ?? openAiRuntime(config, logger);

  // 2. Node services.
  const metrics = createMetrics();
  const limiters = createLimiters(config, limitsRedis);
  const revocationSubscriber =
    createRedis?.("engunity-revocation-sub", { waitForConnection: true }) ?? null;
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
  const access = createAccessCache({
    db,
    logger,
    redis:
      redis && revocationSubscriber
        ? {
            publisher: redis,
            subscriber: revocationSubscriber,
            channel: redisKeys(config.REDIS_PREFIX).accessDrops,
          }
        : undefined,
  });
  // Every node hears a revocation (sign-out, deactivation, deletion): drop it here only.
  revocation.onRevoke((event) => access.forget({ userId: event.userId }));
  const events = createEventRecorder(db, {
    retentionDays: config.EVENT_RETENTION_DAYS,
    onError: (err) => logger.warn({ err }, "could not store failure events"),
  });
  const tickets = createTicketStore(config, redis);
  const catalog = new ProviderCatalog(config, ai.health, { logger });

  // 3. Transports, before the context: it carries their hooks.
  const rooms = createSocketRooms({ config, logger, metrics, db, redis });
  const yjs = createYjsServer({
    config,
    logger,
    metrics,
    db,
    revocation,
    emitter: rooms.emitter,
    access,
    tickets,
    createRedis,
  });

  // 4. The context, complete.
  let draining = false;
  const ctx: AppContext = Object.freeze({
    config,
    retrievalIndex: options.retrievalIndex,
    db,
    logger,
    metrics,
    redis,
    tickets,
    catalog,
    emitter: rooms.emitter,
    limiters,
    publicUrl: (origin: string | undefined, host: string | undefined) => {
      if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/$/, "");
      // An attacker-chosen Origin must not become the link a victim is sent.
      if (origin && originAllowed(origin, host, config.ALLOWED_ORIGINS)) {
        return origin.trim().replace(/\/$/, "");
      }
      return `http://${host ?? `localhost:${config.PORT}`}`;
    },
    revocation,
    access,
    roleChanged: (sessionId: string, userId: string, canWrite: boolean) =>
      yjs.setRole(sessionId, userId, canWrite),
    // A removed member loses the co-edited doc too, not only the Socket.IO room.
    evict: (sessionId: string, userId?: string) => {
      rooms.evict(sessionId, userId);
      yjs.evict(sessionId, userId);
    },
    watch: rooms.watch,
    cutWidgetKey: rooms.cutWidgetKey,
    onlineUserIds: rooms.onlineUserIds,
    docs: yjs.edits,
    runningGenerations: (sessionId: string) => ai.log.running(sessionId),
    ai,
    events,
    revokeUserConnections: (userId: string) => revokeUserConnections({ revocation }, userId),
    draining: () => draining,
  });

  const httpServer = createServer(createApp(ctx));
  const gateway = attachGateway(ctx, rooms, httpServer);
  yjs.attach(httpServer);
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
      if (ownsAi) await ai.close();
      await access.close();
      await revocation.close();
      if (revocationSubscriber) revocationSubscriber.disconnect();
      await ctx.events.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
      if (limitsRedis) await limitsRedis.quit().catch(() => limitsRedis.disconnect());
      if (ownsDb) await db.close();
    })();
    return closing;
  };
  return { ctx, httpServer, url, port, yjs, io: gateway.io, close };
}

/** The node's rate limiters, in Redis with `REDIS_URL` (shared by every node). */
function createLimiters(config: Config, redis: Redis | null): AppContext["limiters"] {
  const limiter = (name: string, points: number, durationSeconds: number) =>
    createRateLimiter({
      keyPrefix: redisKeys(config.REDIS_PREFIX).rateLimit(name),
      points,
      durationSeconds,
      redis: redis ?? undefined,
    });
  return {
    login: limiter("login", config.LOGIN_RATE_LIMIT, 15 * 60),
    loginIp: limiter("login-ip", config.LOGIN_IP_RATE_PER_MINUTE, 60),
    writes: limiter("write", config.WRITE_RATE_PER_MINUTE, 60),
    register: limiter("register", 30, 3600),
    messages: limiter("msg", config.MESSAGE_RATE_PER_SECOND, 1),
    ai: limiter("ai", config.AI_RATE_PER_MINUTE, 60),
  };
}
