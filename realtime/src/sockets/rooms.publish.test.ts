import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, loadConfig } from "@engunity/core";
import type { Db } from "@engunity/db";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_URL } from "../../../test/support/services";
import { createMetrics } from "../metrics";
import { createSocketRooms, type SocketRooms } from "./rooms";

/**
 * A room broadcast goes to the other nodes before this node writes to its own sockets
 * (the Redis adapter publishes, then delivers here): the publish must leave at once,
 * not at the end of the loop turn — held there (ioredis auto-pipelining defers to
 * `setImmediate`), the other nodes would start only after this node's whole fan-out.
 */
describe("the adapter's publisher", () => {
  let rooms: SocketRooms | undefined;
  afterAll(async () => {
    // The server was never attached to an HTTP server: only its Redis clients to close.
    for (const client of rooms?.redisClients ?? []) await client.quit();
  });

  it("writes a broadcast to Redis before emit returns", async () => {
    const config = loadConfig({
      DATA_DIR: mkdtempSync(join(tmpdir(), "engunity-rooms-")),
      REDIS_URL,
      REDIS_PREFIX: `t-${randomBytes(4).toString("hex")}`,
    });
    rooms = createSocketRooms({
      config,
      logger: createLogger("silent"),
      metrics: createMetrics(),
      db: {} as Db,
      redis: null,
    });
    const [pub] = rooms.redisClients;
    if (!pub) throw new Error("no publisher");
    // Both connected, the adapter's subscriptions made.
    for (const client of rooms.redisClients) {
      if (client.status !== "ready") await new Promise((r) => client.once("ready", r));
    }
    await rooms.redisClients[1]?.ping();
    const written: string[] = [];
    const stream = (pub as unknown as { stream: { write(chunk: unknown): boolean } }).stream;
    const write = stream.write.bind(stream);
    stream.write = (chunk: unknown) => {
      written.push(String(chunk));
      return write(chunk);
    };
    rooms.emitter.to("session:fanout").emit("typing", {
      sessionId: "fanout",
      userId: "u",
      typing: true,
    });
    // Synchronously: no await between the emit and this line.
    expect(written.some((w) => /publish/i.test(w))).toBe(true);
  });
});
