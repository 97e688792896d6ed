import type { Redis } from "ioredis";
import { redisKeys } from "../redisKeys";
import type { DocumentBus, DocumentEvent } from "./types";

/** The embedded document bus: listeners in this process. */
export class MemoryDocumentBus implements DocumentBus {
  private readonly listeners = new Set<(event: DocumentEvent) => void>();

  async publish(event: DocumentEvent): Promise<void> {
    for (const listener of this.listeners) listener(event);
  }

  async subscribe(listener: (event: DocumentEvent) => void) {
    this.listeners.add(listener);
    return async () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/** The scaled document bus: one pub/sub channel, subscribed on first use. */
export class RedisDocumentBus implements DocumentBus {
  private sub: Redis | null = null;
  private subscribing: Promise<unknown> | null = null;
  private readonly listeners = new Set<(event: DocumentEvent) => void>();
  private readonly channel: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.channel = redisKeys(prefix).documentEvents;
  }

  async publish(event: DocumentEvent): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(event));
  }

  async subscribe(listener: (event: DocumentEvent) => void) {
    this.listeners.add(listener);
    if (!this.sub) {
      const sub = this.redis.duplicate({ connectionName: "engunity-docs-bus" });
      this.sub = sub;
      sub.on("error", () => {});
      sub.on("message", (_channel: string, raw: string) => {
        let event: DocumentEvent;
        try {
          event = JSON.parse(raw) as DocumentEvent;
        } catch {
          return;
        }
        for (const l of this.listeners) l(event);
      });
      this.subscribing = sub.subscribe(this.channel);
    }
    await this.subscribing;
    return async () => {
      this.listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    if (this.sub) await this.sub.quit().catch(() => this.sub?.disconnect());
  }
}
