import { createLogger } from "@engunity/core";
import type { RealtimeNode } from "@engunity/realtime";
import { startWorker, type WorkerHandle } from "@engunity/workers";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type ApiClient, apiClient, readSse } from "../support/api";
import { defaultTokens, type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { createTestStack, type TestStack, testConfig } from "../support/node";
import { type ClientSocket, connectClient, emitAck } from "../support/sockets";
import { AiViewer } from "./aiViewer";

/**
 * The core flow, scaled: two realtime nodes, one worker, real Redis and Postgres, and a
 * loopback Groq streaming at a fixed rate. Every viewer, on either node, joining late
 * or reconnecting, ends with the same (epoch, seq, text) batches as the database.
 */
describe("AI answers streamed to every viewer (2 nodes + worker, Postgres + Redis)", () => {
  let stack: TestStack;
  let fake: FakeLlmServer;
  let a: RealtimeNode;
  let b: RealtimeNode;
  let worker: WorkerHandle;
  let api: ApiClient;
  const users: Record<string, { user: { id: string }; token: string }> = {};
  let sessionId: string;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    fake = await startFakeLlmServer({ tokens: defaultTokens(40), tokenIntervalMs: 15 });
    const aiEnv = {
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: fake.groqBaseUrl,
      OPENAI_BASE_URL: fake.openaiBaseUrl,
      OPENAI_MODEL: "fallback-model",
      AI_PROVIDER_ORDER: "groq,openai,offline",
    };
    stack = await createTestStack("postgres", { redis: true, worker: false });
    a = await stack.startNode(aiEnv);
    b = await stack.startNode(aiEnv);
    // A worker of its own: own database pool, rooms reached through redis-emitter only.
    const config = testConfig({ ...stack.env, ...aiEnv });
    worker = await startWorker(config, { logger: createLogger(config.LOG_LEVEL) });
    api = apiClient(a.url);
    for (const name of ["alice", "bob", "carol", "dave", "erin"])
      users[name] = await api.register(name);
    sessionId = (await api.post("/chat/sessions", { title: "AI" }, users.alice!.token)).body.id;
    for (const [name, role] of [
      ["bob", "editor"],
      ["carol", "viewer"],
      ["dave", "viewer"],
      ["erin", "viewer"],
    ] as const) {
      const res = await api.post(
        `/chat/${sessionId}/members`,
        { username: name, role },
        users.alice!.token,
      );
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await worker?.close();
    await stack?.close();
    await fake?.close();
  });

  async function viewer(name: string, node: RealtimeNode): Promise<{ v: AiViewer; ack: any }> {
    const socket = await connectClient(node.url, users[name]!.token);
    sockets.push(socket);
    const v = new AiViewer(socket);
    v.hold();
    const ack = await emitAck(socket, "session:join", { sessionId });
    expect(ack.ok).toBe(true);
    v.fromSnapshot(ack.generations);
    v.release();
    return { v, ack };
  }

  async function storedMessage(id: string) {
    const res = await api.get(`/chat/${sessionId}`, users.alice!.token);
    return res.body.messages.find((m: { id: string }) => m.id === id);
  }

  it("gives three viewers on two nodes, a late joiner and a reconnecting one the same batches as the stored answer", async () => {
    const alice = (await viewer("alice", a)).v;
    const bob = (await viewer("bob", b)).v;
    const carol = (await viewer("carol", b)).v;
    const erin = (await viewer("erin", a)).v;

    const sent = await emitAck(alice.socket, "message:send", {
      sessionId,
      content: "count to forty",
      clientId: "s-1",
      ai: true,
    });
    expect(sent.ok).toBe(true);
    const id: string = sent.assistantMessageId;
    expect(id).toBeTruthy();

    // Halfway: erin drops, dave joins on the other node.
    await erin.until(() => erin.gen(id).lastSeq >= 3, 10_000, "erin at seq 3");
    erin.socket.close();
    await alice.until(
      () => alice.gen(id).lastSeq >= erin.gen(id).lastSeq + 2,
      10_000,
      "progress while erin is away",
    );
    const { v: dave, ack: daveAck } = await viewer("dave", b);
    expect(daveAck.generations.map((g: { messageId: string }) => g.messageId)).toEqual([id]);
    expect(daveAck.generations[0].seq).toBeGreaterThan(0);
    // A viewer who joins mid-stream gets the label the others had from ai:start.
    expect(daveAck.generations[0].provider).toBe("groq");
    expect(daveAck.generations[0].model).toBeTruthy();
    // Erin comes back on the other node and asks for what she missed.
    const erinSocket = await connectClient(b.url, users.erin!.token);
    sockets.push(erinSocket);
    erin.hold();
    erin.attach(erinSocket);
    // She keeps her text and ignores the join snapshot: ai:resume fills the gap.
    expect((await emitAck(erinSocket, "session:join", { sessionId })).ok).toBe(true);
    await erin.resume(sessionId, id);

    for (const v of [alice, bob, carol, dave, erin])
      await v.until(() => Boolean(v.gen(id).done), 15_000, "ai:done");
    const stored = await storedMessage(id);
    expect(stored).toMatchObject({
      status: "complete",
      content: defaultTokens(40).join(""),
      metadata: { provider: "groq" },
    });
    expect(stored.metadata.ttftMs).toBeGreaterThanOrEqual(0);
    expect(daveAck.generations[0].model).toBe(stored.metadata.model);
    expect(stored.metadata.usage.completionTokens).toBe(40);

    const ref = alice.gen(id);
    expect(ref.batches.length).toBeGreaterThan(3);
    expect(ref.batches.map((x) => x.seq)).toEqual(ref.batches.map((_, i) => i + 1));
    expect(ref.text).toBe(stored.content);
    for (const v of [bob, carol]) expect(v.gen(id).batches).toEqual(ref.batches);
    for (const v of [alice, bob, carol, dave, erin]) {
      const g = v.gen(id);
      expect(g.text).toBe(stored.content);
      expect(g.gaps).toBe(0);
      expect(g.lastSeq).toBe(ref.lastSeq);
      expect(g.done?.content).toBe(stored.content);
    }
  });

  it("stops from a viewer on the other node within one batch, storing the partial text as stopped", async () => {
    const alice = (await viewer("alice", a)).v;
    const bob = (await viewer("bob", b)).v;
    const aborted = fake.nextAbort();
    // Stepped: the provider sends exactly the tokens released below, so the stop lands
    // at a known point of the answer instead of racing ~600 ms of paced tokens.
    fake.stepped = true;
    onTestFinished(() => {
      fake.stepped = false;
    });
    const sent = await emitAck(alice.socket, "message:send", {
      sessionId,
      content: "go on",
      clientId: "s-2",
      ai: true,
    });
    const id: string = sent.assistantMessageId;
    const tokens = defaultTokens(40);
    fake.step(1);
    await bob.until(() => bob.gen(id).text === tokens[0], 10_000, "the first batch");
    fake.step(4);
    await bob.until(
      () => bob.gen(id).text === tokens.slice(0, 5).join(""),
      10_000,
      "the second batch",
    );
    expect(bob.gen(id).lastSeq).toBeGreaterThanOrEqual(2);
    // A viewer may not stop it; an editor on the other node may.
    const carol = (await viewer("carol", a)).v;
    expect((await emitAck(carol.socket, "ai:stop", { sessionId, messageId: id })).error.code).toBe(
      "forbidden",
    );
    expect((await emitAck(bob.socket, "ai:stop", { sessionId, messageId: id })).ok).toBe(true);
    const seqAtStop = alice.gen(id).lastSeq;
    await alice.until(() => Boolean(alice.gen(id).done), 10_000, "ai:done after stop");
    const record = await Promise.race([
      aborted,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the provider request was not aborted")), 10_000),
      ),
    ]);
    // No token was released after the stop: exactly the five sent are stored.
    expect(record.tokensSent).toBe(5);
    const stored = await storedMessage(id);
    expect(stored.status).toBe("stopped");
    expect(stored.content).toBe(tokens.slice(0, 5).join(""));
    // Who stopped it travels with the answer, to everyone in the room.
    expect(stored.metadata.stoppedBy).toEqual({ id: users.bob!.user.id, name: "bob Tester" });
    expect(alice.gen(id).done?.metadata.stoppedBy).toEqual(stored.metadata.stoppedBy);
    expect(stored.content).toBe(alice.gen(id).text);
    // At most the batch in flight when the stop landed, plus the final flush.
    expect(alice.gen(id).lastSeq - seqAtStop).toBeLessThanOrEqual(2);
  });

  it("stops through REST POST /chat/:id/stop on the other node", async () => {
    const alice = (await viewer("alice", a)).v;
    const sent = await emitAck(alice.socket, "message:send", {
      sessionId,
      content: "and again",
      clientId: "s-rest-stop",
      ai: true,
    });
    const id: string = sent.assistantMessageId;
    await alice.until(() => alice.gen(id).lastSeq >= 2, 10_000, "two batches");
    const stop = await apiClient(b.url).post(
      `/chat/${sessionId}/stop`,
      { messageId: id },
      users.bob!.token,
    );
    expect(stop.status).toBe(200);
    await alice.until(() => Boolean(alice.gen(id).done), 10_000, "ai:done after stop");
    expect(alice.gen(id).done).toMatchObject({
      status: "stopped",
      content: alice.gen(id).text,
      metadata: { stoppedBy: { id: users.bob!.user.id, name: "bob Tester" } },
    });
    expect(alice.gen(id).text.length).toBeLessThan(defaultTokens(40).join("").length);

    // Continuing the stopped answer runs it again under the same id: the old stop
    // must not stop the new run, and the new run is not "stopped by" anyone.
    const partial = alice.gen(id).text;
    const cont = await emitAck(alice.socket, "ai:continue", { sessionId, messageId: id });
    expect(cont.ok).toBe(true);
    await alice.until(
      () => alice.gen(id).done?.status === "complete",
      15_000,
      "ai:done after continue",
    );
    const continued = await storedMessage(id);
    expect(continued.status).toBe("complete");
    expect(continued.content.startsWith(partial)).toBe(true);
    expect(continued.content.length).toBeGreaterThan(partial.length);
    expect(continued.metadata.stoppedBy).toBeUndefined();
  });

  it("falls back to the next provider at once when Groq answers 429 (no SDK retry), and records every attempt", async () => {
    const alice = (await viewer("alice", a)).v;
    fake.faults = [{ kind: "status", status: 429, retryAfterMs: 10 }];
    const starts: string[] = [];
    alice.socket.on("ai:start", (e) => starts.push(e.provider));
    const sent = await emitAck(alice.socket, "message:send", {
      sessionId,
      content: "anyone?",
      clientId: "s-3",
      ai: true,
    });
    const id: string = sent.assistantMessageId;
    await alice.until(() => Boolean(alice.gen(id).done), 15_000, "ai:done");
    const stored = await storedMessage(id);
    expect(stored).toMatchObject({
      status: "complete",
      metadata: { provider: "openai", model: "fallback-model" },
    });
    expect(
      stored.metadata.attempts.map((x: { provider: string; outcome: string }) => [
        x.provider,
        x.outcome,
      ]),
    ).toEqual([
      ["groq", "rate_limited"],
      ["openai", "ok"],
    ]);
    expect(starts).toEqual(["groq", "openai"]);
    expect(alice.gen(id).text).toBe(stored.content);
  });

  it("streams the same answer as SSE to a REST client on the other node", async () => {
    const res = await fetch(`${b.url}/api/v1/chat/`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${users.bob!.token}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify({ sessionId, content: "over SSE please", ai: true }),
    });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = await readSse(res);
    expect(events[0]?.event).toBe("message");
    const deltas = events.filter((e) => e.event === "delta").map((e) => e.data);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => i + 1));
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    expect(done.data.message).toMatchObject({
      status: "complete",
      content: defaultTokens(40).join(""),
    });
    expect(deltas.map((d) => d.text).join("")).toBe(done.data.message.content);
  });

  it("SSE fills a batch lost on the bus from the resume log instead of dropping it", async () => {
    // Fault injection: node B's subscription to the generation bus loses live batch 3
    // (a Redis pub/sub message dropped). The SSE stream must still carry every seq.
    const bus = b.ctx.ai.bus;
    const subscribe = bus.subscribe.bind(bus);
    let lost = 0;
    bus.subscribe = (messageId, listener) =>
      subscribe(messageId, (e) => {
        if (e.type === "delta" && e.seq === 3 && lost++ === 0) return;
        listener(e);
      });
    try {
      const res = await fetch(`${b.url}/api/v1/chat/`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${users.bob!.token}`,
          "content-type": "application/json",
          accept: "text/event-stream",
        },
        body: JSON.stringify({ sessionId, content: "over a lossy bus", ai: true }),
      });
      const events = await readSse(res);
      expect(lost).toBe(1);
      const deltas = events.filter((e) => e.event === "delta").map((e) => e.data);
      expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => i + 1));
      const done = events.at(-1)!;
      expect(done.event).toBe("done");
      expect(deltas.map((d) => d.text).join("")).toBe(done.data.message.content);
    } finally {
      bus.subscribe = subscribe;
    }
  });

  it("answers a double submit once", async () => {
    const alice = (await viewer("alice", a)).v;
    const first = await emitAck(alice.socket, "message:send", {
      sessionId,
      content: "twice",
      clientId: "s-4",
      ai: true,
    });
    const second = await emitAck(alice.socket, "message:send", {
      sessionId,
      content: "twice",
      clientId: "s-4",
      ai: true,
    });
    expect(second.assistantMessageId).toBe(first.assistantMessageId);
    await alice.until(() => Boolean(alice.gen(first.assistantMessageId).done), 15_000, "ai:done");
    const res = await api.get(`/chat/${sessionId}`, users.alice!.token);
    const answers = res.body.messages.filter(
      (m: { id: string }) => m.id === first.assistantMessageId,
    );
    expect(answers).toHaveLength(1);
    expect(answers[0].status).toBe("complete");
  });
});
