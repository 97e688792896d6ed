import { randomBytes } from "node:crypto";
import { createLogger } from "@engunity/core";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_URL } from "../../../test/support/services";
import { waitFor } from "../../../test/support/sockets";
import type { PresenceStore } from "./presenceStore";
import { createRedisPresence } from "./redisPresence";

/** Presence of several "nodes" (stores) on the real Redis, under a prefix of this file's own. */
describe("Redis presence", () => {
  const prefix = `t${randomBytes(4).toString("hex")}:presence`;
  const logger = createLogger("silent");
  const connections: Redis[] = [];
  const stores: PresenceStore[] = [];

  const node = () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
    const subscriber = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(redis, subscriber);
    const store = createRedisPresence({ redis, subscriber, keyPrefix: prefix, logger });
    stores.push(store);
    const changes: { sessionId: string; at: number }[] = [];
    store.onChange((sessionId) => changes.push({ sessionId, at: Date.now() }));
    return { store, redis, subscriber, changes };
  };

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close().catch(() => {})));
    for (const c of connections) c.disconnect();
  });

  it("sees users on every node and tells every node of a change", async () => {
    const a = node();
    const b = node();
    // Change notices go out on pub/sub: act once both stores listen.
    await waitFor(
      async () =>
        Number(((await a.redis.pubsub("NUMSUB", `${prefix}:changed`)) as [string, number])[1]) >= 2,
      "both subscribed",
      5000,
    );
    a.store.add("s1", "alice");
    b.store.add("s1", "bob");
    b.store.add("s1", "bob");
    await waitFor(async () => (await a.store.userIds("s1")).length === 2, "both users", 5000);
    expect((await b.store.userIds("s1")).sort()).toEqual(["alice", "bob"]);
    await waitFor(
      () => a.changes.some((c) => c.sessionId === "s1") && b.changes.length >= 2,
      "change notices",
      5000,
    );
    // bob has two sockets: one leaving keeps him present.
    b.store.remove("s1", "bob");
    b.store.remove("s1", "ghost");
    expect((await a.store.userIds("s1")).sort()).toEqual(["alice", "bob"]);
    b.store.remove("s1", "bob");
    await waitFor(async () => (await a.store.userIds("s1")).length === 1, "bob gone", 5000);
    await b.store.close();
    a.store.remove("s1", "alice");
    await waitFor(async () => (await a.store.userIds("s1")).length === 0, "room empty", 5000);
  });

  it("drops a node that stops beating within seconds, and tells the others", async () => {
    const a = node();
    const dying = node();
    dying.store.add("s2", "carol");
    await waitFor(
      async () => (await a.store.userIds("s2")).includes("carol"),
      "carol present",
      5000,
    );
    const cut = Date.now();
    // What SIGKILL does to a node: its connections drop, nothing is cleaned up.
    dying.redis.disconnect();
    dying.subscriber.disconnect();
    await waitFor(
      async () => !(await a.store.userIds("s2")).includes("carol"),
      "carol hidden",
      10_000,
    );
    expect(Date.now() - cut).toBeLessThan(8000);
    // The sweep removes the entries themselves, not only hides them, and says so.
    await waitFor(
      async () => (await a.redis.smembers(`${prefix}:s:s2`)).length === 0,
      "entries swept",
      10_000,
    );
    await waitFor(
      () => a.changes.some((c) => c.sessionId === "s2" && c.at >= cut + 2000),
      "a change notice",
      5000,
    );
  }, 20_000);
});
