import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_URL } from "../../../test/support/services";
import {
  MemoryProviderHealth,
  type ProviderHealthStore,
  RedisProviderHealth,
} from "./providerHealth";

const clients: Redis[] = [];
const connect = () => {
  const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
  clients.push(r);
  return r;
};
afterAll(async () => {
  for (const c of clients) await c.quit();
});

const policy = { threshold: 2, cooldownMs: 500 };
const fail = { error: "openai: HTTP 500", countsTowardBreaker: true };

/**
 * The breaker contract, for two workers: each gets its own store object (in Redis, its
 * own connection) over the same state — memory shares one Map within a process.
 */
describe.each<[string, () => [ProviderHealthStore, ProviderHealthStore]]>([
  [
    "memory",
    () => {
      const one = new MemoryProviderHealth();
      return [one, one];
    },
  ],
  [
    "redis (two connections, one prefix)",
    () => {
      const prefix = `t${randomBytes(4).toString("hex")}`;
      return [
        new RedisProviderHealth(connect(), prefix),
        new RedisProviderHealth(connect(), prefix),
      ];
    },
  ],
])("ProviderHealthStore on %s", (_name, make) => {
  it("opens after N failures seen by either worker, gives one half-open probe to one of them, and closes on success", async () => {
    const [a, b] = make();
    await a.recordFailure("openai", fail, policy);
    expect((await b.get(["openai"])).get("openai")).toMatchObject({ state: "closed", failures: 1 });
    await b.recordFailure("openai", fail, policy);
    const open = (await a.get(["openai"])).get("openai")!;
    expect(open).toMatchObject({ state: "open", failures: 2, lastError: "openai: HTTP 500" });
    expect(Date.parse(open.openUntil!) - Date.now()).toBeLessThanOrEqual(500);
    while ((await b.get(["openai"])).get("openai")!.state !== "half_open")
      await new Promise((r) => setTimeout(r, 20));
    const claims = await Promise.all([a.claimProbe("openai", 1000), b.claimProbe("openai", 1000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    // A failed probe opens it again at once.
    await a.recordFailure("openai", fail, policy);
    expect((await b.get(["openai"])).get("openai")!.state).toBe("open");
    while ((await a.get(["openai"])).get("openai")!.state !== "half_open")
      await new Promise((r) => setTimeout(r, 20));
    expect(await b.claimProbe("openai", 1000)).toBe(true);
    await b.recordSuccess("openai");
    expect((await a.get(["openai"])).get("openai")).toMatchObject({ state: "closed", failures: 0 });
    expect(await a.claimProbe("openai", 1000)).toBe(true);
  });

  it("remembers a rate limit without counting it as ill health", async () => {
    const [a, b] = make();
    const until = Date.now() + 60_000;
    await a.recordFailure(
      "groq",
      { error: "groq: 429", countsTowardBreaker: false, rateLimitedUntil: until },
      policy,
    );
    expect((await b.get(["groq", "openai"])).get("groq")).toMatchObject({
      state: "closed",
      failures: 0,
      rateLimitedUntil: new Date(until).toISOString(),
    });
  });
});
