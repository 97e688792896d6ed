import {
  type AiRuntime,
  type Config,
  connectRedis,
  type Logger,
  openAiRuntime,
  openDb,
  ProviderCatalog,
  type RoomEmitter,
  silentEmitter,
} from "@engunity/core";
import { type Db, failDocument } from "@engunity/db";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import { createAiMetrics } from "./metrics";
import { createWorkerRegistry, startMetricsServer } from "./metricsServer";
import { closeDeadJob, closeLostAnswers, sweepOrphans } from "./processors/deadJobs";
import { createInferenceProcessor } from "./processors/InferenceProcessor";
import {
  createIngestProcessor,
  requeueStaleEmbeddings,
  requeueUnfinished,
} from "./processors/IngestProcessor";
import { Breaker } from "./providers/breaker";
import { buildProviders } from "./providers/providerRegistry";
import { exactIndexFactory } from "./retrieval/ExactIndex";
import { SessionRetriever } from "./retrieval/SessionRetriever";
import type { Embedder, VectorIndexFactory } from "./retrieval/types";
import { createRedisRoomEmitter } from "./workerEmitter";

export { reindexDocuments } from "./processors/reindex";
export { OFFLINE_ANSWER } from "./providers/OfflineProvider";
export { ExactIndex, exactIndexFactory } from "./retrieval/ExactIndex";
export { HashingEmbedder } from "./retrieval/HashingEmbedder";
export type { Embedder, VectorIndex, VectorIndexFactory } from "./retrieval/types";

import { createEmbedder } from "./embedders/createEmbedder";
import { createVectorIndexFactory } from "./retrieval/FaissIndex";

export { createEmbedder } from "./embedders/createEmbedder";
export { createVectorIndexFactory } from "./retrieval/FaissIndex";

/**
 * Which vector index this process's retrieval uses: FAISS where faiss-node's addon was
 * built (npm install, with libfaiss-dev), else exact in-process search. Logged once.
 */
export function vectorIndexKind(logger: Logger): "faiss" | "exact" {
  return createVectorIndexFactory({ log: (line, fields) => logger.info(fields, line) }).kind;
}

export interface WorkerHandle {
  close(): Promise<void>;
}

export interface WorkerOptions {
  logger: Logger;
  /** Share the realtime node's database (ROLE=all); otherwise the worker opens its own. */
  db?: Db;
  /** Embedded mode: the realtime node's Socket.IO emitter. Scaled mode uses redis-emitter. */
  emitter?: RoomEmitter;
  /**
   * The AI runtime to consume (ROLE=all: the node's, so both use one in-memory queue).
   * The caller owns it: closing the worker stops consuming (answers get their grace
   * period) and leaves the rest of the runtime open. Without it the worker opens its own.
   */
  runtime?: AiRuntime;
  /** Register metrics here (the node's registry in ROLE=all). */
  registry?: Registry;
  /** Embeds document chunks and questions (default: the built-in hashing embedder). */
  embedder?: Embedder;
  /** Makes per-session vector indexes (default: exact in-process search). */
  indexFactory?: VectorIndexFactory;
}

/** Starts the job consumers of this process (inference; ingestion comes with retrieval). */
export async function startWorker(config: Config, options: WorkerOptions): Promise<WorkerHandle> {
  const { logger } = options;
  const vectors = createVectorIndexFactory({ log: (line, fields) => logger.info(fields, line) });
  const ownsDb = !options.db;
  const db = options.db ?? openDb(config);
  const ownsRuntime = !options.runtime;
  const runtime = options.runtime ?? openAiRuntime(config, logger);
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
  const metrics = createAiMetrics(options.registry ?? ownRegistry, () => runtime.queue.depth());
  let draining = false;
  const metricsServer = ownRegistry
    ? await startMetricsServer(
        ownRegistry,
        config.WORKER_METRICS_PORT!,
        config.HOST,
        () => !draining,
      )
    : null;
  const shutdown = new AbortController();
  // EMBEDDINGS_MODEL_PATH: a .gguf file, an ONNX folder, or nothing (built-in hashing).
  const embedder: Embedder =
    options.embedder ?? (await createEmbedder(config.EMBEDDINGS_MODEL_PATH));
  const retriever = new SessionRetriever(
    db,
    embedder,
    options.indexFactory ?? vectors.factory ?? exactIndexFactory,
    logger,
  );
  await retriever.listen(runtime.documents);
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
    retriever,
  };
  // In embedded mode nothing else will ever finish a placeholder left by a crash.
  if (!config.REDIS_URL) await sweepOrphans(deps);
  runtime.queue.process(createInferenceProcessor(deps), {
    concurrency: config.AI_CONCURRENCY,
    onDeadJob: (job, err) => closeDeadJob(deps, job, err),
  });
  const ingestDeps = { config, db, logger, emitter, runtime, embedder };
  runtime.ingest.process(createIngestProcessor(ingestDeps), {
    concurrency: config.INGEST_CONCURRENCY,
    // Its worker died twice mid-ingest: nobody will finish it.
    onDeadJob: (job) =>
      failDocument(db, job.documentId, "Indexing stopped unexpectedly; upload the file again"),
  });
  if (!config.REDIS_URL) await requeueUnfinished(ingestDeps);
  await requeueStaleEmbeddings(ingestDeps);
  // Scaled mode: every AI_STALL_MS, answers the queue lost (a Redis crash) are closed;
  // twice that age leaves a send's job time to reach the queue after its commit.
  const lostAnswers = config.REDIS_URL
    ? setInterval(() => {
        closeLostAnswers(deps, 2 * config.AI_STALL_MS).then(
          (n) => n && logger.warn({ closed: n }, "closed answers the job queue had lost"),
          (err: unknown) => logger.warn({ err }, "could not look for lost answers"),
        );
      }, config.AI_STALL_MS).unref()
    : null;
  logger.info(
    { providers: [...providers.keys()], mode: config.mode, embedder: embedder.id },
    "inference worker started (and ingest)",
  );
  return {
    close: async () => {
      draining = true;
      if (lostAnswers) clearInterval(lostAnswers);
      // Running answers get SHUTDOWN_GRACE_MS to finish; then they are handed back to
      // the queue (another worker runs them under a new epoch), never failed.
      const stopConsuming = {
        graceMs: config.SHUTDOWN_GRACE_MS,
        onGraceExpired: () => shutdown.abort(),
      };
      if (ownsRuntime) await runtime.close(stopConsuming);
      else await runtime.queue.close(stopConsuming);
      await metricsServer?.close();
      await retriever.close();
      await embedder.close?.();
      for (const p of providers.values()) await p.close?.();
      if (emitterRedis) await emitterRedis.quit().catch(() => emitterRedis?.disconnect());
      if (ownsDb) await db.close();
    },
  };
}
