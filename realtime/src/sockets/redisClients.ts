import type { Logger } from "@engunity/core";
import { Redis } from "ioredis";

/**
 * A Redis connection for the gateway (adapter pub/sub, presence channel). It
 * reconnects forever and logs an outage once.
 *
 * - `subscriber`: commands wait for the connection instead of failing, because
 *   `@socket.io/redis-adapter` subscribes without handling a rejection, and ioredis
 *   re-subscribes by itself after a reconnect.
 * - otherwise `publish` is made to swallow its failure: the adapter publishes without
 *   awaiting, and an unhandled rejection would end the process while Redis is down.
 *   A broadcast lost then is filled in by clients from the database on re-join.
 */
export function connectGatewayRedis(
  url: string,
  logger: Logger,
  name: string,
  opts: { subscriber?: boolean } = {},
): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: opts.subscriber ? null : 2,
    retryStrategy: (times) => Math.min(times * 200, 2000),
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
  if (!opts.subscriber) {
    const publish = redis.publish.bind(redis);
    redis.publish = ((channel: string, message: string | Buffer) =>
      publish(channel, message).catch(() => 0)) as typeof redis.publish;
  }
  return redis;
}
