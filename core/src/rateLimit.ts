import type { Redis } from "ioredis";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";
import { rateLimited } from "./errors";

/** A fixed-window limiter; shared across nodes through Redis when one is given. */
export interface RateLimiter {
  /** Spends `points` for `key`, or throws `rate_limited` with a Retry-After. */
  consume(key: string, points?: number): Promise<void>;
  /** Forgets `key` (after a successful login, say). */
  reset(key: string): Promise<void>;
}

export function createRateLimiter(opts: {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  redis?: Redis;
}): RateLimiter {
  const base = { keyPrefix: opts.keyPrefix, points: opts.points, duration: opts.durationSeconds };
  const memory = new RateLimiterMemory(base);
  const limiter: RateLimiterAbstract = opts.redis
    ? // With Redis down, fall back to a per-node memory limit rather than failing requests.
      new RateLimiterRedis({ ...base, storeClient: opts.redis, insuranceLimiter: memory })
    : memory;
  return {
    async consume(key, points = 1) {
      try {
        await limiter.consume(key, points);
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          throw rateLimited(Math.max(1, Math.ceil(err.msBeforeNext / 1000)));
        }
        throw err;
      }
    },
    async reset(key) {
      await limiter.delete(key);
    },
  };
}
