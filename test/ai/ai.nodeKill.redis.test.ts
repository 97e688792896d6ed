import { createLogger } from "@engunity/core";
import type { RealtimeNode } from "@engunity/realtime";
import { startWorker, type WorkerHandle } from "@engunity/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../support/api";
import { defaultTokens, type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { createTestStack, type TestStack, testConfig } from "../support/node";
import { type ProcessNode, startProcessNode } from "../support/processNode";
import { type ClientSocket, connectClient, emitAck } from "../support/sockets";
import { AiViewer } from "./aiViewer";

/**
 * A realtime node killed with SIGKILL while an answer streams: its viewer reconnects
 * to the other node, resumes from its last seq and ends identical to the database.
 */
describe("kill -9 of a realtime node mid-stream (Postgres + Redis)", () => {
  let stack: TestStack;
  let fake: FakeLlmServer;
  let doomed: ProcessNode;
  let b: RealtimeNode;
  let worker: WorkerHandle;
  let api: ApiClient;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    fake = await startFakeLlmServer({ tokens: defaultTokens(40), tokenIntervalMs: 25 });
    const aiEnv = {
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: fake.groqBaseUrl,
      AI_PROVIDER_ORDER: "groq,offline",
    };
    stack = await createTestStack("postgres", { redis: true, worker: false });
    b = await stack.startNode(aiEnv);
    doomed = await startProcessNode({ ...stack.env, ...aiEnv });
    const config = testConfig({ ...stack.env, ...aiEnv });
    worker = await startWorker(config, { logger: createLogger(config.LOG_LEVEL) });
    api = apiClient(b.url);
  }, 90_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await doomed?.kill();
    await worker?.close();
    await stack?.close();
    await fake?.close();
  });

  it("the viewer of the dead node resumes on the other and ends equal to the stored answer", async () => {
    const alice = await api.register("alice");
    const bob = await api.register("bob");
    const sessionId = (await api.post("/chat/sessions", { title: "node kill" }, alice.token)).body
      .id;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "editor" }, alice.token);
    const onDoomed = await connectClient(doomed.url, alice.token);
    const onB = await connectClient(b.url, bob.token);
    sockets.push(onDoomed, onB);
    const va = new AiViewer(onDoomed);
    const vb = new AiViewer(onB);
    expect((await emitAck(onDoomed, "session:join", { sessionId })).ok).toBe(true);
    expect((await emitAck(onB, "session:join", { sessionId })).ok).toBe(true);

    const sent = await emitAck(onB, "message:send", {
      sessionId,
      content: "keep going",
      clientId: "nk-1",
      ai: true,
    });
    const id: string = sent.assistantMessageId;
    await va.until(() => va.gen(id).lastSeq >= 3, 15_000, "three batches on the doomed node");
    await doomed.kill();

    const back = await connectClient(b.url, alice.token);
    sockets.push(back);
    va.hold();
    va.attach(back);
    expect((await emitAck(back, "session:join", { sessionId })).ok).toBe(true);
    await va.resume(sessionId, id);
    for (const v of [va, vb]) await v.until(() => Boolean(v.gen(id).done), 15_000, "ai:done");

    const res = await api.get(`/chat/${sessionId}`, alice.token);
    const stored = res.body.messages.find((m: { id: string }) => m.id === id);
    expect(stored).toMatchObject({ status: "complete", content: defaultTokens(40).join("") });
    for (const v of [va, vb]) {
      expect(v.gen(id).text).toBe(stored.content);
      expect(v.gen(id).gaps).toBe(0);
    }
    expect(va.gen(id).batches).toEqual(vb.gen(id).batches);
  }, 60_000);
});
