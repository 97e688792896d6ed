import { Redis } from "ioredis";
import type { Logger } from "./logger";

export interface RedisConnectionOptions {
  /**
   * A subscriber, or a BullMQ connection: commands wait for the connection instead of
   * failing (`maxRetriesPerRequest: null`, which BullMQ requires and which lets
   * `@socket.io/redis-adapter` subscribe without handling a rejection); ioredis
   * re-subscribes by itself after a reconnect.
   */
  waitForConnection?: boolean;
  /**
   * Make `publish` swallow its failure. The redis adapter publishes without awaiting,
   * and an unhandled rejection would end the process while Redis is down; a broadcast
   * lost then is filled in by clients from the database on re-join.
   */
  swallowPublishErrors?: boolean;
  /**
   * Commands issued in one turn of the event loop go out in one write (ioredis
   * `enableAutoPipelining`): under load, many sockets' commands cost one syscall
   * instead of one each. The write waits for the turn's end (`setImmediate`, after
   * every other callback of that turn), so not for what a latency waits on — a
   * send's rate-limit spend, the adapter's publishes. Not for subscribers.
   */
  autoPipeline?: boolean;
}

/**
 * The one way a process opens a Redis connection: it reconnects forever, never crashes
 * the process, and logs an outage once (and its end).
 */
export function connectRedis(
  url: string,
  logger: Logger,
  name: string,
  opts: RedisConnectionOptions = {},
): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: opts.waitForConnection ? null : 2,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    enableAutoPipelining: opts.autoPipeline ?? false,
  });
  let down = false;
  redis.on("error", (err) => {
    if (!down) logger.warn({ err: err.message, name }, "redis connection error");
    down = true;
  });
  redis.on("ready", () => {
    if (down) logger.info({ name }, "redis connection restored");
    down = false;
  });
  if (opts.swallowPublishErrors) {
    const publish = redis.publish.bind(redis);
    redis.publish = ((channel: string, message: string | Buffer) =>
      publish(channel, message).catch(() => 0)) as typeof redis.publish;
  }
  return redis;
}
