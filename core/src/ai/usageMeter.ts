import type { Redis } from "ioredis";
import { redisKeys } from "../redisKeys";

/** Tokens spent per user per UTC day, for the daily AI quota. */
export interface UsageMeter {
  add(userId: string, tokens: number): Promise<void>;
  usedToday(userId: string): Promise<number>;
  /** Forgets today's spend (an admin's "reset quota"). */
  reset(userId: string): Promise<void>;
}

const today = () => new Date().toISOString().slice(0, 10);

/** Embedded: counts in this process (the realtime node and the worker share it). */
export class MemoryUsageMeter implements UsageMeter {
  private readonly counts = new Map<string, number>();
  async add(userId: string, tokens: number): Promise<void> {
    const key = `${today()}:${userId}`;
    if (!this.counts.has(key))
      for (const k of this.counts.keys()) if (!k.startsWith(today())) this.counts.delete(k);
    this.counts.set(key, (this.counts.get(key) ?? 0) + tokens);
  }
  async usedToday(userId: string): Promise<number> {
    return this.counts.get(`${today()}:${userId}`) ?? 0;
  }
  async reset(userId: string): Promise<void> {
    this.counts.delete(`${today()}:${userId}`);
  }
}

/** Scaled: one counter per user and day in Redis, expiring after two days. */
export class RedisUsageMeter implements UsageMeter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}
  private key = (userId: string) => redisKeys(this.prefix).aiUsage(today(), userId);
  async add(userId: string, tokens: number): Promise<void> {
    await this.redis
      .multi()
      .incrby(this.key(userId), Math.round(tokens))
      .expire(this.key(userId), 2 * 86400)
      .exec();
  }
  async usedToday(userId: string): Promise<number> {
    return Number((await this.redis.get(this.key(userId))) ?? 0);
  }
  async reset(userId: string): Promise<void> {
    await this.redis.del(this.key(userId));
  }
}
