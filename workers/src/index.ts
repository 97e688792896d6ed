import {
  type Config,
  connectRedis,
  type Logger,
  openAiRuntime,
  ProviderCatalog,
  type RoomEmitter,
  silentEmitter,
} from "@engunity/core";
import { createDb, type Db } from "@engunity/db";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { createAiMetrics } from "./metrics";
import { createWorkerRegistry, startMetricsServer } from "./metricsServer";
import { closeDeadJob, sweepOrphans } from "./processors/deadJobs";
import { createInferenceProcessor } from "./processors/InferenceProcessor";
import { Breaker } from "./providers/breaker";
import { buildProviders } from "./providers/providerRegistry";
import { createRedisRoomEmitter } from "./workerEmitter";

export { OFFLINE_ANSWER } from "./providers/OfflineProvider";

export interface WorkerHandle {
  close(): Promise<void>;
}

export interface WorkerOptions {
  logger: Logger;
  /** Share the realtime node's database (ROLE=all); otherwise the worker opens its own. */
  db?: Db;
  /** Embedded mode: the realtime node's Socket.IO emitter. Scaled mode uses redis-emitter. */
  emitter?: RoomEmitter;
  /** Register metrics here (the node's registry in ROLE=all). */
  registry?: Registry;
}

/** Starts the job consumers of this process (inference; ingestion comes with retrieval). */
export async function startWorker(config: Config, options: WorkerOptions): Promise<WorkerHandle> {
  const { logger } = options;
  const ownsDb = !options.db;
  const db =
    options.db ?? createDb({ databaseUrl: config.DATABASE_URL, sqlitePath: config.sqlitePath });
  const runtime = openAiRuntime(config, logger);
  let emitterRedis: Redis | null = null;
  let emitter: RoomEmitter;
  if (config.REDIS_URL) {
    emitterRedis = connectRedis(config.REDIS_URL, logger, "engunity-worker-emitter");
    emitter = createRedisRoomEmitter(emitterRedis, config.REDIS_PREFIX);
  } else {
    if (!options.emitter)
      logger.warn("worker has no room emitter: answers are stored but not streamed");
    emitter = options.emitter ?? silentEmitter;
  }
  const catalog = new ProviderCatalog(config, runtime.health, { logger });
  const providers = await buildProviders(catalog, config, logger);
  const breaker = new Breaker(
    runtime.health,
    { threshold: config.AI_BREAKER_FAILURES, cooldownMs: config.AI_BREAKER_COOLDOWN_MS },
    config.AI_RETRY_AFTER_MAX_MS,
  );
  const ownRegistry =
    !options.registry && config.WORKER_METRICS_PORT !== undefined
      ? createWorkerRegistry()
      : undefined;
  const metrics = createAiMetrics(options.registry ?? ownRegistry);
  const metricsServer = ownRegistry
    ? await startMetricsServer(ownRegistry, config.WORKER_METRICS_PORT!, config.HOST)
    : null;
  const shutdown = new AbortController();
  const deps = {
    config,
    db,
    logger,
    emitter,
    runtime,
    providers,
    catalog,
    breaker,
    metrics,
    shutdown: shutdown.signal,
  };
  // In embedded mode nothing else will ever finish a placeholder left by a crash.
  if (!config.REDIS_URL) await sweepOrphans(deps);
  runtime.queue.process(createInferenceProcessor(deps), {
    concurrency: config.AI_CONCURRENCY,
    onDeadJob: (job, err) => closeDeadJob(deps, job, err),
  });
  logger.info({ providers: [...providers.keys()], mode: config.mode }, "inference worker started");
  return {
    close: async () => {
      shutdown.abort();
      await metricsServer?.close();
      await runtime.close();
      for (const p of providers.values()) await p.close?.();
      if (emitterRedis) await emitterRedis.quit().catch(() => emitterRedis?.disconnect());
      if (ownsDb) await db.close();
    },
  };
}
