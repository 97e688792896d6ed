import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_URL } from "../../../test/support/services";
import { createLogger } from "../logger";
import { BullJobQueue } from "./bullQueue";
import { MemoryGenerationBus } from "./memoryBus";
import { MemoryJobQueue } from "./memoryQueue";
import { MemoryTokenLog } from "./memoryTokenLog";
import { RedisGenerationBus } from "./redisBus";
import { RedisTokenLog } from "./redisTokenLog";
import type { GenerationBus, GenerationJob, JobQueue, TokenLog } from "./types";

const logger = createLogger("silent");
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2 });
const prefix = () => `t${randomBytes(4).toString("hex")}`;
afterAll(() => redis.quit());

function withTimeout<T>(p: Promise<T>, ms = 5000): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms),
    ),
  ]);
}

/** The resume-log contract, run against the in-memory ring and the Redis Stream. */
describe.each<[string, () => TokenLog]>([
  ["memory", () => new MemoryTokenLog()],
  ["redis", () => new RedisTokenLog(redis, prefix())],
])("TokenLog on %s", (_name, make) => {
  it("replays after a seq, lists running generations with their text, and resets on a new epoch", async () => {
    const log = make();
    const sessionId = randomUUID();
    const id = randomUUID();
    expect(await log.read(id, 0)).toBeNull();
    const e1 = await log.begin(id, sessionId);
    expect(e1).toBe(1);
    for (let seq = 1; seq <= 5; seq++)
      expect(await log.append(id, { epoch: e1, seq, text: `t${seq} ` })).toBe(true);
    expect(await log.read(id, 3)).toEqual({
      epoch: 1,
      deltas: [
        { seq: 4, text: "t4 " },
        { seq: 5, text: "t5 " },
      ],
    });
    expect(await log.running(sessionId)).toEqual([
      { messageId: id, epoch: 1, seq: 5, text: "t1 t2 t3 t4 t5 " },
    ]);

    const e2 = await log.begin(id, sessionId);
    expect(e2).toBe(2);
    // The stale run is refused, so its batches never reach anyone.
    expect(await log.append(id, { epoch: e1, seq: 6, text: "stale" })).toBe(false);
    expect(await log.append(id, { epoch: e2, seq: 1, text: "new" })).toBe(true);
    expect(await log.read(id, 0)).toEqual({ epoch: 2, deltas: [{ seq: 1, text: "new" }] });

    await log.finish(id, sessionId);
    expect(await log.running(sessionId)).toEqual([]);
    expect((await log.read(id, 0))?.deltas).toHaveLength(1);
    await log.close();
  });

  it("labels a running generation with its provider and model, per run", async () => {
    const log = make();
    const sessionId = randomUUID();
    const id = randomUUID();
    const e1 = await log.begin(id, sessionId);
    await log.append(id, { epoch: e1, seq: 1, text: "a" });
    // Before the provider answered: no label.
    expect((await log.running(sessionId))[0]).not.toHaveProperty("provider");
    await log.label(id, e1, "groq", "llama-3.1-8b");
    expect(await log.running(sessionId)).toEqual([
      { messageId: id, epoch: 1, seq: 1, text: "a", provider: "groq", model: "llama-3.1-8b" },
    ]);
    // A failover relabels; a stale run cannot.
    const e2 = await log.begin(id, sessionId);
    expect((await log.running(sessionId))[0]).not.toHaveProperty("provider");
    await log.label(id, e1, "stale", "old");
    await log.label(id, e2, "offline", "echo");
    expect(await log.running(sessionId)).toMatchObject([{ provider: "offline", model: "echo" }]);
    await log.close();
  });
});

describe.each<[string, () => GenerationBus]>([
  ["memory", () => new MemoryGenerationBus()],
  ["redis", () => new RedisGenerationBus(redis, prefix())],
])("GenerationBus on %s", (_name, make) => {
  it("delivers a cancel to the subscriber and remembers it for a late starter", async () => {
    const bus = make();
    const id = randomUUID();
    let resolveGot!: (e: unknown) => void;
    const got = new Promise((resolve) => {
      resolveGot = resolve;
    });
    const unsub = await bus.subscribe(id, (e) => resolveGot(e));
    const ana = { id: randomUUID(), name: "Ana" };
    await bus.cancel(id, ana);
    expect(await withTimeout(got)).toEqual({ type: "cancel", messageId: id, by: ana });
    expect(await bus.cancelled(id)).toEqual({ by: ana });
    expect(await bus.cancelled(randomUUID())).toBeNull();
    // The first stop counts; a later one does not rename who stopped.
    await bus.cancel(id, { id: randomUUID(), name: "Bob" });
    expect(await bus.cancelled(id)).toEqual({ by: ana });
    // A revision runs again under the same id: the stop is forgotten.
    await bus.forget(id);
    expect(await bus.cancelled(id)).toBeNull();
    await unsub();
    await bus.close();
  });
});

const job = (messageId = randomUUID()): GenerationJob => ({
  messageId,
  sessionId: randomUUID(),
  userId: randomUUID(),
  userMessageId: randomUUID(),
  enqueuedAt: Date.now(),
});

describe.each<[string, () => JobQueue]>([
  ["memory", () => new MemoryJobQueue(logger)],
  [
    "bullmq",
    () =>
      new BullJobQueue(
        { redisUrl: REDIS_URL, prefix: prefix(), lockDurationMs: 2000, stalledIntervalMs: 1000 },
        logger,
      ),
  ],
])("JobQueue on %s", (_name, make) => {
  it("runs each job once even when submitted twice", async () => {
    const queue = make();
    const seen: string[] = [];
    const a = job();
    const b = job();
    let release!: () => void;
    const done = new Promise<void>((r) => {
      release = r;
    });
    queue.process(async (j) => {
      seen.push(j.messageId);
      if (seen.length === 2) release();
    });
    await queue.enqueue(a);
    await queue.enqueue(a);
    await queue.enqueue(b);
    await withTimeout(done, 10_000);
    // One more enqueue of a finished id: BullMQ keeps it (removeOnComplete age), memory forgot it.
    expect(seen.sort()).toEqual([a.messageId, b.messageId].sort());
    await queue.close();
  });
});
