import { createLogger } from "@engunity/core";
import type { RealtimeNode } from "@engunity/realtime";
import { startWorker, type WorkerHandle } from "@engunity/workers";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../support/api";
import { defaultTokens, type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { createTestStack, type TestStack, testConfig } from "../support/node";
import { REDIS_URL } from "../support/services";
import { type ClientSocket, connectClient, emitAck } from "../support/sockets";
import { AiViewer } from "./aiViewer";

/**
 * Redis losing a queued job (a crash before its AOF reached disk, a flush) must not
 * leave the answer `streaming` forever: a worker notices the queue no longer holds it
 * and closes it as an error the person can regenerate. An answer whose job is still in
 * the queue — running longer than the check's age — is left alone.
 */
describe("an answer whose job Redis lost (Postgres + Redis)", () => {
  let stack: TestStack;
  let fake: FakeLlmServer;
  let node: RealtimeNode;
  let worker: WorkerHandle | undefined;
  let api: ApiClient;
  let redis: Redis;
  const sockets: ClientSocket[] = [];
  const aiEnv = {
    AI_PROVIDER_ORDER: "groq,offline",
    GROQ_API_KEY: "gsk_test",
    AI_STALL_MS: "1000",
  };

  beforeAll(async () => {
    // 30 tokens at 100 ms: an answer runs ~3 s, several times the check's age.
    fake = await startFakeLlmServer({ tokens: defaultTokens(30), tokenIntervalMs: 100 });
    stack = await createTestStack("postgres", { redis: true, worker: false });
    node = await stack.startNode({ ...aiEnv, GROQ_BASE_URL: fake.groqBaseUrl });
    api = apiClient(node.url);
    redis = new Redis(REDIS_URL);
  }, 90_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await worker?.close();
    await stack?.close();
    await fake?.close();
    redis?.disconnect();
  });

  async function startTheWorker() {
    const config = testConfig({ ...stack.env, ...aiEnv, GROQ_BASE_URL: fake.groqBaseUrl });
    worker = await startWorker(config, { logger: createLogger(config.LOG_LEVEL) });
  }

  /** Deletes this test's BullMQ keys only (other suites share the Redis server). */
  async function loseTheQueue() {
    const keys = await redis.keys(`${stack.env.REDIS_PREFIX}:bull:*`);
    expect(keys.length).toBeGreaterThan(0);
    await redis.del(...keys);
  }

  it("closes a lost answer as an error, and leaves a long-running one alone", async () => {
    const alice = await api.register("alice");
    const sessionId = (await api.post("/chat/sessions", { title: "lost" }, alice.token)).body.id;
    const socket = await connectClient(node.url, alice.token);
    sockets.push(socket);
    const viewer = new AiViewer(socket);
    expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);

    // No worker yet: the job waits in Redis, and then Redis loses it.
    const lost = await emitAck(socket, "message:send", {
      sessionId,
      content: "an answer Redis will lose",
      clientId: "lost-1",
      ai: true,
    });
    expect(lost.ok).toBe(true);
    const lostId: string = lost.assistantMessageId;
    await loseTheQueue();
    await startTheWorker();
    await viewer.until(() => Boolean(viewer.gen(lostId).done), 15_000, "the lost answer closed");
    expect(viewer.gen(lostId).done).toMatchObject({ status: "error" });

    // A job still in the queue, running for several check intervals, completes.
    const kept = await emitAck(socket, "message:send", {
      sessionId,
      content: "a slow answer",
      clientId: "kept-1",
      ai: true,
    });
    const keptId: string = kept.assistantMessageId;
    await viewer.until(() => Boolean(viewer.gen(keptId).done), 20_000, "the slow answer done");
    expect(viewer.gen(keptId).done).toMatchObject({ status: "complete" });

    const res = await api.get(`/chat/${sessionId}`, alice.token);
    const answers = new Map<string, { status: string; metadata: { error?: string } }>(
      res.body.messages.map((m: { id: string }) => [m.id, m]),
    );
    expect(answers.get(lostId)).toMatchObject({ status: "error" });
    expect(answers.get(lostId)!.metadata.error).toMatch(/lost by the job queue; regenerate/);
    expect(answers.get(keptId)).toMatchObject({ status: "complete" });
  }, 60_000);
});
