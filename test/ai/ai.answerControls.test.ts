import type { RealtimeNode } from "@engunity/realtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../support/api";
import { defaultTokens, type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { createTestStack, type DbKind, type TestStack } from "../support/node";
import { type ClientSocket, connectClient, emitAck } from "../support/sockets";
import { AiViewer } from "./aiViewer";

const tokens = (n: number) => defaultTokens(n).join("");

/**
 * Regenerate, continue and edit-and-resend, watched by two members: each revision
 * streams to both like any answer (ai:start → ai:delta → ai:done, one epoch, no gaps),
 * and every earlier form is kept as a version in the database.
 */
describe.each<DbKind>(["sqlite", "postgres"])("answer controls on %s", (kind) => {
  let stack: TestStack;
  let node: RealtimeNode;
  let fake: FakeLlmServer;
  let api: ApiClient;
  let sessionId: string;
  let questionId: string;
  let answerId: string;
  const sockets: ClientSocket[] = [];
  let alice: AiViewer;
  let bob: AiViewer;
  let aliceToken: string;

  beforeAll(async () => {
    fake = await startFakeLlmServer({ tokens: defaultTokens(40) });
    stack = await createTestStack(kind);
    node = await stack.startNode({
      OPENAI_BASE_URL: fake.openaiBaseUrl,
      OPENAI_MODEL: "fake-large",
      // 10 of the fake's 40 tokens: every answer stops at the token limit.
      AI_MAX_TOKENS: "10",
    });
    api = apiClient(node.url);
    const a = await api.register("alice");
    const b = await api.register("bob");
    aliceToken = a.token;
    sessionId = (await api.post("/chat/sessions", {}, a.token)).body.id;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "editor" }, a.token);
    for (const [token, set] of [
      [a.token, (v: AiViewer) => (alice = v)],
      [b.token, (v: AiViewer) => (bob = v)],
    ] as const) {
      const socket = await connectClient(node.url, token);
      sockets.push(socket);
      set(new AiViewer(socket));
      expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);
    }
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack?.close();
    await fake?.close();
  });

  /** Both viewers rendered the answer's new run in full, equal to what is stored. */
  async function bothSee(id: string, content: string) {
    for (const v of [alice, bob]) {
      await v.until(() => v.gen(id).done?.content === content, 10_000, "ai:done");
      expect(v.gen(id).text).toBe(content);
      expect(v.gen(id).gaps).toBe(0);
    }
    const row = await node.ctx.db.models.ChatMessage.findByPk(id);
    expect(row).toMatchObject({ status: "complete", content });
    return row!;
  }

  it("an answer that hit the token limit says so, and continue goes on from its text", async () => {
    const sent = await emitAck(alice.socket, "message:send", {
      sessionId,
      content: "@ai tell me everything",
      clientId: `q-${kind}`,
    });
    questionId = sent.message.id;
    answerId = sent.assistantMessageId;
    const first = await bothSee(answerId, tokens(10));
    expect(first.metadata.finishReason).toBe("length");

    const ack = await emitAck(bob.socket, "ai:continue", { sessionId, messageId: answerId });
    expect(ack).toMatchObject({ ok: true, message: { status: "streaming", content: tokens(10) } });
    const continued = await bothSee(answerId, tokens(10) + tokens(10));
    expect(continued.metadata.version).toBe(2);
    const prompt = fake.completions.at(-1)!.body.messages!;
    expect(prompt.at(-2)).toEqual({ role: "assistant", content: tokens(10) });
    expect(prompt.at(-1)?.content).toMatch(/continue/i);
  });

  it("regenerate makes a new version everyone sees stream; earlier versions stay browsable", async () => {
    const ack = await emitAck(alice.socket, "ai:regenerate", { sessionId, messageId: answerId });
    expect(ack).toMatchObject({ ok: true, message: { status: "streaming", content: "" } });
    const row = await bothSee(answerId, tokens(10));
    expect(row.metadata.version).toBe(3);
    const versions = await api.get(`/chat/${sessionId}/messages/${answerId}/versions`, aliceToken);
    expect(versions.status).toBe(200);
    expect(versions.body.versions.map((v: any) => [v.version, v.content])).toEqual([
      [1, tokens(10)],
      [2, tokens(10) + tokens(10)],
    ]);
    expect(versions.body.versions[0].metadata.finishReason).toBe("length");
  });

  it("edit and resend keeps the old question and answer as versions and answers the new one", async () => {
    const refused = await emitAck(bob.socket, "message:edit", {
      sessionId,
      messageId: questionId,
      content: "not mine to change",
    });
    expect(refused.error.code).toBe("forbidden");
    const ack = await emitAck(alice.socket, "message:edit", {
      sessionId,
      messageId: questionId,
      content: "@ai tell me less",
    });
    expect(ack).toMatchObject({
      ok: true,
      message: { content: "@ai tell me less", metadata: { version: 2 } },
      assistantMessage: { id: answerId, status: "streaming" },
    });
    await bothSee(answerId, tokens(10));
    expect(fake.completions.at(-1)!.body.messages!.at(-1)?.content).toMatch(
      /"text":"@ai tell me less"\}$/,
    );
    const { MessageVersion } = node.ctx.db.models;
    const stored = await MessageVersion.findAll({ order: [["version", "ASC"]] });
    expect(stored.filter((v) => v.messageId === questionId).map((v) => v.content)).toEqual([
      "@ai tell me everything",
    ]);
    expect(stored.filter((v) => v.messageId === answerId).map((v) => v.version)).toEqual([1, 2, 3]);
  });

  it("refuses revising a message that is still streaming, and bad input, changing nothing", async () => {
    fake.tokenIntervalMs = 30;
    try {
      const ack = await emitAck(alice.socket, "ai:regenerate", { sessionId, messageId: answerId });
      expect(ack.ok).toBe(true);
      const again = await emitAck(bob.socket, "ai:continue", { sessionId, messageId: answerId });
      expect(again.error.code).toBe("conflict");
      await bothSee(answerId, tokens(10));
    } finally {
      fake.tokenIntervalMs = 0;
    }
    const bad = await api.request("PATCH", `/chat/${sessionId}/messages/${questionId}`, {
      token: aliceToken,
      body: { content: "" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
    const wrong = await api.post(
      `/chat/${sessionId}/messages/${questionId}/regenerate`,
      {},
      aliceToken,
    );
    expect(wrong.status).toBe(404);
  });
});
