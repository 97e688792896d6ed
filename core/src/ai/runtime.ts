import type { Config } from "../env";
import type { Logger } from "../logger";
import { connectRedis } from "../redis";
import { BullJobQueue, BullQueue } from "./bullQueue";
import { MemoryDocumentBus, RedisDocumentBus } from "./documentBus";
import { MemoryGenerationBus } from "./memoryBus";
import { MemoryJobQueue, MemoryQueue } from "./memoryQueue";
import { MemoryTokenLog } from "./memoryTokenLog";
import {
  MemoryProviderHealth,
  type ProviderHealthStore,
  RedisProviderHealth,
} from "./providerHealth";
import { RedisGenerationBus } from "./redisBus";
import { RedisTokenLog } from "./redisTokenLog";
import type {
  DocumentBus,
  GenerationBus,
  IngestJob,
  IngestQueue,
  JobQueue,
  QueueCloseOptions,
  TokenLog,
} from "./types";
import { MemoryUsageMeter, RedisUsageMeter, type UsageMeter } from "./usageMeter";

/** The AI plumbing realtime nodes and workers share: queues, resume log, buses. */
export interface AiRuntime {
  queue: JobQueue;
  /** Document ingestion, apart from inference so neither waits for the other. */
  ingest: IngestQueue;
  /** Document ready/deleted events (index caches, ingest cancel). */
  documents: DocumentBus;
  log: TokenLog;
  bus: GenerationBus;
  usage: UsageMeter;
  /** Provider breakers and remembered rate limits, shared by every worker. */
  health: ProviderHealthStore;
  /** Closes the queue first (see `JobQueue.close`), then the log, the bus and Redis. */
  close(opts?: QueueCloseOptions): Promise<void>;
}

/**
 * Opens the AI runtime for `config`: in-memory without REDIS_URL, BullMQ + Redis
 * Streams + pub/sub with it. Each call opens a runtime of its own; where a realtime
 * node and a worker share one process (ROLE=all, and tests), the composition root
 * opens one and passes it to both, and closes it itself.
 */
export function openAiRuntime(config: Config, logger: Logger): AiRuntime {
  if (!config.REDIS_URL) {
    const queue = new MemoryJobQueue(logger);
    const log = new MemoryTokenLog();
    const bus = new MemoryGenerationBus();
    const ingest = new MemoryQueue<IngestJob>(logger, ingestJobId, "ingest job");
    const documents = new MemoryDocumentBus();
    let closed = false;
    return {
      queue,
      ingest,
      documents,
      log,
      bus,
      usage: new MemoryUsageMeter(),
      health: new MemoryProviderHealth(),
      close: async (opts?: QueueCloseOptions) => {
        if (closed) return;
        closed = true;
        await queue.close(opts);
        await ingest.close();
        await documents.close();
        await log.close();
        await bus.close();
      },
    };
  }
  const redis = connectRedis(config.REDIS_URL, logger, "engunity-ai");
  const prefix = config.REDIS_PREFIX;
  // A job whose worker stops renewing its lock for AI_STALL_MS is handed to another.
  const bull = {
    redisUrl: config.REDIS_URL,
    prefix,
    lockDurationMs: config.AI_STALL_MS,
    stalledIntervalMs: Math.max(100, Math.floor(config.AI_STALL_MS / 2)),
  };
  const queue = new BullJobQueue(bull, logger);
  const ingest = new BullQueue<IngestJob>(bull, logger, {
    queue: "ingest",
    jobName: "ingest",
    idOf: ingestJobId,
  });
  const documents = new RedisDocumentBus(redis, prefix);
  const log = new RedisTokenLog(redis, prefix);
  const bus = new RedisGenerationBus(redis, prefix);
  return {
    queue,
    ingest,
    documents,
    log,
    bus,
    usage: new RedisUsageMeter(redis, prefix),
    health: new RedisProviderHealth(redis, prefix),
    close: async (opts?: QueueCloseOptions) => {
      await queue.close(opts);
      await ingest.close();
      await documents.close();
      await bus.close();
      await log.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** An ingest job's id: a re-ingest of the same document later is a job of its own. */
function ingestJobId(job: IngestJob): string {
  return `${job.documentId}-${job.enqueuedAt}`;
}
