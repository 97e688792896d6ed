import type { Stopper } from "@engunity/shared";
import type { Redis } from "ioredis";
import { type RedisKeys, redisKeys } from "../redisKeys";
import type { GenerationBus, GenerationEvent, GenerationListener } from "./types";

/**
 * The scaled generation bus: a pub/sub channel per generation plus a cancel key, so
 * a stop that lands before the worker subscribed is still seen when it starts.
 */
export class RedisGenerationBus implements GenerationBus {
  private readonly sub: Redis;
  private readonly listeners = new Map<string, Set<GenerationListener>>();
  /** SUBSCRIBE in flight per channel: a second subscriber waits for the same one. */
  private readonly pending = new Map<string, Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = redisKeys(prefix);
    this.sub = redis.duplicate({ connectionName: "engunity-ai-bus" });
    this.sub.on("error", () => {});
    this.sub.on("message", (channel: string, raw: string) => {
      const messageId = channel.slice(this.channel("").length);
      let event: GenerationEvent;
      try {
        event = JSON.parse(raw) as GenerationEvent;
      } catch {
        return;
      }
      for (const listener of this.listeners.get(messageId) ?? []) listener(event);
    });
  }

  /** Built once: `redisKeys` makes a fresh object per call. */
  private readonly keys: RedisKeys;
  private channel = (id: string) => this.keys.aiEvents(id);
  private cancelKey = (id: string) => this.keys.aiCancel(id);

  async cancel(messageId: string, by?: Stopper): Promise<void> {
    // NX: the first stop is the one that counts (the worker may have seen it already).
    await this.redis.set(
      this.cancelKey(messageId),
      JSON.stringify(by ? { by } : {}),
      "EX",
      3600,
      "NX",
    );
    await this.redis.publish(
      this.channel(messageId),
      JSON.stringify({ type: "cancel", messageId, ...(by ? { by } : {}) }),
    );
  }

  async cancelled(messageId: string): Promise<{ by?: Stopper } | null> {
    const raw = await this.redis.get(this.cancelKey(messageId));
    if (raw === null) return null;
    try {
      const value = JSON.parse(raw) as { by?: Stopper } | number;
      return typeof value === "object" && value ? value : {};
    } catch {
      return {};
    }
  }

  async forget(messageId: string): Promise<void> {
    await this.redis.del(this.cancelKey(messageId));
  }

  async publish(event: Exclude<GenerationEvent, { type: "cancel" }>): Promise<void> {
    await this.redis.publish(this.channel(event.messageId), JSON.stringify(event));
  }

  async subscribe(messageId: string, listener: GenerationListener) {
    let set = this.listeners.get(messageId);
    if (!set) {
      set = new Set();
      this.listeners.set(messageId, set);
      const subscribing = this.sub.subscribe(this.channel(messageId));
      this.pending.set(messageId, subscribing);
      void subscribing.finally(() => this.pending.delete(messageId)).catch(() => {});
    }
    set.add(listener);
    await this.pending.get(messageId);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(messageId) === set) {
        this.listeners.delete(messageId);
        await this.sub.unsubscribe(this.channel(messageId)).catch(() => {});
      }
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.sub.quit().catch(() => this.sub.disconnect());
  }
}
