import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OFFLINE_ANSWER } from "@engunity/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, readSse } from "../support/api";
import { createTestStack, type TestStack } from "../support/node";
import { startProcessNode } from "../support/processNode";
import { type ClientSocket, connectClient, emitAck } from "../support/sockets";
import { AiViewer } from "./aiViewer";

/** Reads an SSE response into its events. */
/** Embedded mode (SQLite, in-process queue and rooms, nothing configured): the offline provider. */
describe("AI in embedded mode with nothing configured", () => {
  let stack: TestStack;
  let api: ApiClient;
  let url: string;
  let alice: { user: { id: string }; token: string };
  let bob: { user: { id: string }; token: string };
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    stack = await createTestStack("sqlite");
    url = (await stack.startNode()).url;
    api = apiClient(url);
    alice = await api.register("alice");
    bob = await api.register("bob");
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await stack?.close();
  });

  it("streams the offline answer to the room for a solo session's message", async () => {
    const sessionId = (await api.post("/chat/sessions", {}, alice.token)).body.id;
    const socket = await connectClient(url, alice.token);
    sockets.push(socket);
    const v = new AiViewer(socket);
    expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);
    const sent = await emitAck(socket, "message:send", {
      sessionId,
      content: "hello?",
      clientId: "e-1",
    });
    expect(sent.assistantMessageId).toBeTruthy();
    const id = sent.assistantMessageId;
    await v.until(() => Boolean(v.gen(id).done), 10_000, "ai:done");
    expect(v.gen(id).done).toMatchObject({
      status: "complete",
      content: OFFLINE_ANSWER,
      metadata: { provider: "offline" },
    });
    expect(v.gen(id).text).toBe(OFFLINE_ANSWER);
    expect(v.gen(id).gaps).toBe(0);
  });

  it("waits for the answer on a plain POST /chat/ and streams it as SSE when asked", async () => {
    const plain = await api.post("/chat/", { content: "first question" }, alice.token);
    expect(plain.status).toBe(200);
    expect(plain.body.assistantMessage).toMatchObject({
      role: "assistant",
      status: "complete",
      content: OFFLINE_ANSWER,
    });
    const sessionId = plain.body.session.id;

    const res = await fetch(`${url}/api/v1/chat/`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${alice.token}`,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: JSON.stringify({ sessionId, content: "second question" }),
    });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = await readSse(res);
    expect(events[0]).toMatchObject({
      event: "message",
      data: {
        userMessage: { content: "second question" },
        assistantMessage: { status: "streaming" },
      },
    });
    const deltas = events.filter((e) => e.event === "delta").map((e) => e.data);
    expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => i + 1));
    const done = events.at(-1)!;
    expect(done.event).toBe("done");
    expect(done.data.message).toMatchObject({ status: "complete", content: OFFLINE_ANSWER });
    expect(deltas.map((d) => d.text).join("")).toBe(OFFLINE_ANSWER);
  });

  it("in a shared session answers only @ai mentions, and only editors may stop", async () => {
    const sessionId = (await api.post("/chat/sessions", {}, alice.token)).body.id;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "viewer" }, alice.token);
    const quiet = await api.post("/chat/", { sessionId, content: "just us humans" }, alice.token);
    expect(quiet.body.assistantMessage).toBeNull();
    const asked = await api.post("/chat/", { sessionId, content: "@ai what now?" }, alice.token);
    expect(asked.body.assistantMessage).toMatchObject({
      status: "complete",
      metadata: { provider: "offline" },
    });
    const stopByViewer = await api.post(
      `/chat/${sessionId}/stop`,
      { messageId: asked.body.assistantMessage.id },
      bob.token,
    );
    expect(stopByViewer.status).toBe(403);
    const stopUnknown = await api.post(
      `/chat/${sessionId}/stop`,
      { messageId: "00000000-0000-4000-8000-000000000000" },
      alice.token,
    );
    expect(stopUnknown.status).toBe(404);
  });

  it("exposes AI metrics on /metrics (ROLE=all)", async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(
      /engunity_ai_time_to_first_token_seconds_count\{provider="offline"\} [1-9]/,
    );
    expect(text).toMatch(/engunity_ai_queue_wait_seconds_count [1-9]/);
    expect(text).toContain("engunity_ai_active_generations 0");
    expect(text).toContain("engunity_ai_tokens_per_second");
  });

  it("lists the offline provider as the default", async () => {
    const res = await api.get("/providers", alice.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ default: "offline", providers: [{ name: "offline" }] });
  });
});

describe("npm start with nothing configured (ROLE=all process)", () => {
  it("answers a message with the offline provider", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "engunity-start-"));
    const node = await startProcessNode({ ROLE: "all", DATA_DIR: dataDir });
    try {
      const api = apiClient(node.url);
      const { token } = await api.register("solo");
      const res = await api.post("/chat/", { content: "is anyone there?" }, token);
      expect(res.status).toBe(200);
      expect(res.body.assistantMessage).toMatchObject({
        status: "complete",
        content: OFFLINE_ANSWER,
        metadata: { provider: "offline" },
      });
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("per-user AI rate limit and daily token quota", () => {
  const stacks: TestStack[] = [];
  async function nodeWith(env: Record<string, string>): Promise<ApiClient> {
    const stack = await createTestStack("sqlite");
    stacks.push(stack);
    return apiClient((await stack.startNode(env)).url);
  }
  afterAll(async () => {
    for (const s of stacks) await s.close();
  });

  it("answers rate_limited with Retry-After past the per-minute rate, while plain messages still go", async () => {
    const api = await nodeWith({ AI_RATE_PER_MINUTE: "2" });
    const { token } = await api.register("hasty");
    const sessionId = (await api.post("/chat/sessions", {}, token)).body.id;
    const one = await api.post(
      "/chat/",
      { sessionId, content: "one", clientId: "r-1", ai: true },
      token,
    );
    expect(one.status).toBe(200);
    expect((await api.post("/chat/", { sessionId, content: "two", ai: true }, token)).status).toBe(
      200,
    );
    const third = await api.post("/chat/", { sessionId, content: "three", ai: true }, token);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe("rate_limited");
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    // A retry of an earlier send (its ack lost) is no new ask: answered, not refused.
    const retried = await api.post(
      "/chat/",
      { sessionId, content: "one", clientId: "r-1", ai: true },
      token,
    );
    expect(retried.status).toBe(200);
    expect(retried.body.userMessage.id).toBe(one.body.userMessage.id);
    expect(retried.body.assistantMessage.id).toBe(one.body.assistantMessage.id);
    expect(
      (await api.post("/chat/", { sessionId, content: "no AI", ai: false }, token)).status,
    ).toBe(200);
  });

  it("refuses AI once the day's token quota is spent, until midnight UTC", async () => {
    const api = await nodeWith({ AI_DAILY_TOKEN_QUOTA: "60" });
    const { token } = await api.register("thrifty");
    const first = await api.post("/chat/", { content: "spend it", ai: true }, token);
    expect(first.body.assistantMessage.status).toBe("complete");
    // The offline answer alone is over 60 tokens.
    expect(first.body.assistantMessage.metadata.usage.completionTokens).toBeGreaterThan(60);
    const second = await api.post(
      "/chat/",
      { sessionId: first.body.session.id, content: "more", ai: true },
      token,
    );
    expect(second.status).toBe(429);
    const retryAfter = Number(second.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
  });
});
