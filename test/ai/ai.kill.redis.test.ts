import { createLogger } from "@engunity/core";
import type { RealtimeNode } from "@engunity/realtime";
import { startWorker, type WorkerHandle } from "@engunity/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../support/api";
import { defaultTokens, type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { createTestStack, type TestStack, testConfig } from "../support/node";
import { type ClientSocket, connectClient, emitAck } from "../support/sockets";
import { spawnWorkerProcess, type WorkerProcess } from "../support/worker";
import { AiViewer } from "./aiViewer";

/**
 * A worker killed with SIGKILL mid-answer: BullMQ's stall check hands the job to another
 * worker, which runs it under a new epoch; clients reset and end equal to the database.
 */
describe("kill -9 of the worker mid-generation (Postgres + Redis)", () => {
  let stack: TestStack;
  let fake: FakeLlmServer;
  let a: RealtimeNode;
  let b: RealtimeNode;
  let child: WorkerProcess | undefined;
  let second: WorkerHandle | undefined;
  let api: ApiClient;
  const sockets: ClientSocket[] = [];
  /** Every worker process a test spawns, killed at the end whatever happened. */
  const spawned: WorkerProcess[] = [];
  let aiEnv: Record<string, string>;

  beforeAll(async () => {
    fake = await startFakeLlmServer({ tokens: defaultTokens(40), tokenIntervalMs: 25 });
    // A short lock so a dead worker is noticed in about a second, not thirty.
    aiEnv = {
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: fake.groqBaseUrl,
      AI_PROVIDER_ORDER: "groq,offline",
      AI_STALL_MS: "1000",
    };
    stack = await createTestStack("postgres", { redis: true, worker: false });
    a = await stack.startNode(aiEnv);
    b = await stack.startNode(aiEnv);
    api = apiClient(a.url);
    child = await spawnWorkerProcess({ ...stack.env, ...aiEnv });
  }, 90_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await child?.kill();
    for (const w of spawned) await w.kill();
    await second?.close();
    await stack?.close();
    await fake?.close();
  });

  async function viewer(token: string, node: RealtimeNode, sessionId: string) {
    const socket = await connectClient(node.url, token);
    sockets.push(socket);
    const v = new AiViewer(socket);
    v.hold();
    const ack = await emitAck(socket, "session:join", { sessionId });
    expect(ack.ok).toBe(true);
    v.fromSnapshot(ack.generations);
    v.release();
    return v;
  }

  it("completes the answer on a second worker under a new epoch; clients reset and match the database", async () => {
    const alice = await api.register("alice");
    const bob = await api.register("bob");
    const sessionId = (await api.post("/chat/sessions", { title: "kill" }, alice.token)).body.id;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "viewer" }, alice.token);
    const va = await viewer(alice.token, a, sessionId);
    const vb = await viewer(bob.token, b, sessionId);

    const sent = await emitAck(va.socket, "message:send", {
      sessionId,
      content: "long answer",
      clientId: "k-1",
      ai: true,
    });
    const id: string = sent.assistantMessageId;
    await vb.until(() => vb.gen(id).lastSeq >= 3, 15_000, "three batches from the first worker");
    expect(vb.gen(id).epoch).toBe(1);
    await child!.kill();

    const config = testConfig({ ...stack.env, ...aiEnv });
    second = await startWorker(config, { logger: createLogger(config.LOG_LEVEL) });
    for (const v of [va, vb])
      await v.until(() => Boolean(v.gen(id).done), 20_000, "ai:done from the second worker");

    const res = await api.get(`/chat/${sessionId}`, alice.token);
    const answers = res.body.messages.filter((m: { role: string }) => m.role === "assistant");
    expect(answers).toHaveLength(1);
    const stored = answers[0];
    expect(stored).toMatchObject({
      id,
      status: "complete",
      content: defaultTokens(40).join(""),
      metadata: { provider: "groq", runs: 2 },
    });
    for (const v of [va, vb]) {
      const g = v.gen(id);
      expect(g.epoch).toBe(2);
      expect(g.resets).toBe(1);
      expect(g.gaps).toBe(0);
      expect(g.text).toBe(stored.content);
      expect(g.batches.map((x) => x.seq)).toEqual(g.batches.map((_, i) => i + 1));
      expect(g.done).toMatchObject({ status: "complete", content: stored.content });
    }
    expect(vb.gen(id).batches).toEqual(va.gen(id).batches);
  }, 60_000);
  it("closes the answer as an error with its partial text when the retry's worker dies too", async () => {
    await second?.close();
    second = undefined;
    const alice = await api.register("amy");
    const sessionId = (await api.post("/chat/sessions", { title: "kill twice" }, alice.token)).body
      .id;
    const va = await viewer(alice.token, a, sessionId);
    const first = await spawnWorkerProcess({ ...stack.env, ...aiEnv });
    spawned.push(first);
    const sent = await emitAck(va.socket, "message:send", {
      sessionId,
      content: "doomed answer",
      clientId: "k-2",
      ai: true,
    });
    const id: string = sent.assistantMessageId;
    await va.until(() => va.gen(id).lastSeq >= 2, 15_000, "batches from the first worker");
    await first.kill();
    const retry = await spawnWorkerProcess({ ...stack.env, ...aiEnv });
    spawned.push(retry);
    await va.until(
      () => va.gen(id).epoch === 2 && va.gen(id).lastSeq >= 2,
      20_000,
      "batches of the retry",
    );
    await retry.kill();
    // A surviving worker's stall check finds the job stalled a second time: it fails.
    const config = testConfig({ ...stack.env, ...aiEnv });
    second = await startWorker(config, { logger: createLogger(config.LOG_LEVEL) });
    await va.until(() => Boolean(va.gen(id).done), 20_000, "ai:done as an error");
    const res = await api.get(`/chat/${sessionId}`, alice.token);
    const answers = res.body.messages.filter((m: { role: string }) => m.role === "assistant");
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ id, status: "error" });
    expect(answers[0].content).toBe(va.gen(id).text);
    expect(answers[0].content.length).toBeGreaterThan(0);
    expect(va.gen(id).done).toMatchObject({ status: "error", content: answers[0].content });
  }, 60_000);
});
