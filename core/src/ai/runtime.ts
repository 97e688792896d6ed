import type { Config } from "../env";
import type { Logger } from "../logger";
import { connectRedis } from "../redis";
import { BullJobQueue } from "./bullQueue";
import { MemoryGenerationBus } from "./memoryBus";
import { MemoryJobQueue } from "./memoryQueue";
import { MemoryTokenLog } from "./memoryTokenLog";
import {
  MemoryProviderHealth,
  type ProviderHealthStore,
  RedisProviderHealth,
} from "./providerHealth";
import { RedisGenerationBus } from "./redisBus";
import { RedisTokenLog } from "./redisTokenLog";
import type { GenerationBus, JobQueue, TokenLog } from "./types";
import { MemoryUsageMeter, RedisUsageMeter, type UsageMeter } from "./usageMeter";

/** The AI plumbing realtime nodes and workers share: queue, resume log, bus. */
export interface AiRuntime {
  queue: JobQueue;
  log: TokenLog;
  bus: GenerationBus;
  usage: UsageMeter;
  /** Provider breakers and remembered rate limits, shared by every worker. */
  health: ProviderHealthStore;
  close(): Promise<void>;
}

interface Shared {
  runtime: AiRuntime;
  users: number;
}

// Embedded mode runs the realtime node and the worker in one process; they must share
// one in-memory queue, log and bus. Keyed by DATA_DIR so test stacks stay apart.
const embedded = new Map<string, Shared>();

/**
 * Opens the AI runtime for `config`: in-memory (shared within this process) without
 * REDIS_URL, BullMQ + Redis Streams + pub/sub with it. Every caller closes its own.
 */
export function openAiRuntime(config: Config, logger: Logger): AiRuntime {
  if (!config.REDIS_URL) {
    let shared = embedded.get(config.dataDir);
    if (!shared) {
      const queue = new MemoryJobQueue(logger);
      const log = new MemoryTokenLog();
      const bus = new MemoryGenerationBus();
      const key = config.dataDir;
      shared = {
        users: 0,
        runtime: {
          queue,
          log,
          bus,
          usage: new MemoryUsageMeter(),
          health: new MemoryProviderHealth(),
          close: async () => {
            await queue.close();
            await log.close();
            await bus.close();
          },
        },
      };
      embedded.set(key, shared);
    }
    const entry = shared;
    entry.users++;
    let closed = false;
    return {
      ...entry.runtime,
      close: async () => {
        if (closed) return;
        closed = true;
        if (--entry.users > 0) return;
        embedded.delete(config.dataDir);
        await entry.runtime.close();
      },
    };
  }
  const redis = connectRedis(config.REDIS_URL, logger, "engunity-ai");
  const prefix = config.REDIS_PREFIX;
  const queue = new BullJobQueue(
    {
      redisUrl: config.REDIS_URL,
      prefix,
      lockDurationMs: config.AI_STALL_MS,
      stalledIntervalMs: Math.max(100, Math.floor(config.AI_STALL_MS / 2)),
    },
    logger,
  );
  const log = new RedisTokenLog(redis, prefix);
  const bus = new RedisGenerationBus(redis, prefix);
  return {
    queue,
    log,
    bus,
    usage: new RedisUsageMeter(redis, prefix),
    health: new RedisProviderHealth(redis, prefix),
    close: async () => {
      await queue.close();
      await bus.close();
      await log.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
