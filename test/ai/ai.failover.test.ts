import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { OFFLINE_ANSWER } from "@engunity/workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../support/api";
import { defaultTokens, type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { createTestStack, type TestStack } from "../support/node";

/** A loopback URL nothing listens on: connecting is refused. */
async function deadUrl(path: string): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return `http://127.0.0.1:${port}${path}`;
}

const stacks: TestStack[] = [];
const fakes: FakeLlmServer[] = [];
afterAll(async () => {
  for (const s of stacks) await s.close();
  for (const f of fakes) await f.close();
});

async function fakeServer(tokens = defaultTokens()) {
  const f = await startFakeLlmServer({ tokens });
  fakes.push(f);
  return f;
}

async function nodeWith(env: Record<string, string>) {
  const stack = await createTestStack("sqlite");
  stacks.push(stack);
  const api = apiClient((await stack.startNode(env)).url);
  const { token } = await api.register("router");
  return { api, token };
}

async function ask(api: ApiClient, token: string, body: Record<string, unknown> = {}) {
  const res = await api.post("/chat/", { content: "hello there", ai: true, ...body }, token);
  expect(res.status).toBe(200);
  const answer = res.body.assistantMessage;
  expect(answer.status).not.toBe("streaming");
  return answer as {
    status: string;
    content: string;
    metadata: { provider: string; model: string; attempts: any[]; finishReason?: string };
  };
}

/** Groq (groq-sdk) first, the OpenAI-compatible server (openai sdk) as its fallback. */
async function groqThenOpenai() {
  const groq = await fakeServer();
  const openai = await fakeServer(defaultTokens(10).map((t) => t.replace("w", "o")));
  const { api, token } = await nodeWith({
    GROQ_API_KEY: "gsk_test",
    GROQ_BASE_URL: groq.groqBaseUrl,
    GROQ_MODEL: "fake-large",
    OPENAI_BASE_URL: openai.openaiBaseUrl,
    OPENAI_MODEL: "o-model",
    AI_PROVIDER_ORDER: "groq,openai,offline",
    AI_FIRST_TOKEN_TIMEOUT_MS: "400",
    // High: these scenarios are about failover; the breaker has tests of its own.
    AI_BREAKER_FAILURES: "50",
  });
  return { groq, openai, api, token };
}

const summary = (attempts: any[]) =>
  attempts.map((a) => `${a.provider}:${a.outcome}:${a.kind ?? ""}`);

/** Groq (groq-sdk) first, the OpenAI-compatible server (openai sdk) as its fallback. */
describe("failover between real SDKs and loopback providers", () => {
  let groq: FakeLlmServer;
  let openai: FakeLlmServer;
  let api: ApiClient;
  let token: string;

  beforeAll(async () => {
    ({ groq, openai, api, token } = await groqThenOpenai());
  });

  it("429 with Retry-After: 60 → the fallback's first token within 1 s, and Groq is skipped until then", async () => {
    groq.faults = [{ kind: "status", status: 429, retryAfter: 60 }];
    const before = groq.completions.length;
    const a = await ask(api, token);
    const limited = groq.completions[before]!;
    const fallback = openai.completions.at(-1)!;
    expect(fallback.firstTokenAt! - limited.receivedAt).toBeLessThan(1000);
    expect(a).toMatchObject({ status: "complete", metadata: { provider: "openai" } });
    expect(summary(a.metadata.attempts)).toEqual(["groq:rate_limited:rate_limited", "openai:ok:"]);
    const until = Date.parse(a.metadata.attempts[0].until);
    expect(until - Date.now()).toBeGreaterThan(50_000);

    const next = await ask(api, token);
    expect(summary(next.metadata.attempts)).toEqual(["groq:skipped:rate_limited", "openai:ok:"]);
    expect(groq.completions.length - before).toBe(1);
    const listing = (await api.get("/providers", token)).body;
    expect(listing.providers[0].health.rateLimitedUntil).toBe(a.metadata.attempts[0].until);
  });
});

describe("each failure handled as designed", () => {
  let groq: FakeLlmServer;
  let openai: FakeLlmServer;
  let api: ApiClient;
  let token: string;

  beforeAll(async () => {
    ({ groq, openai, api, token } = await groqThenOpenai());
  });

  it("a 500 falls over to the next provider at once", async () => {
    groq.faults = [{ kind: "status", status: 500 }];
    const a = await ask(api, token);
    expect(a.status).toBe("complete");
    expect(summary(a.metadata.attempts)).toEqual(["groq:error:server", "openai:ok:"]);
    expect(a.metadata.attempts[0].status).toBe(500);
  });

  it("a hang before the first byte times out (first-token timeout) and falls over", async () => {
    groq.faults = [{ kind: "hang" }];
    const a = await ask(api, token);
    expect(a.status).toBe("complete");
    expect(summary(a.metadata.attempts)).toEqual(["groq:error:timeout", "openai:ok:"]);
    expect(a.metadata.attempts[0].durationMs).toBeGreaterThanOrEqual(390);
    expect(a.metadata.attempts[0].durationMs).toBeLessThan(2000);
  });

  it("a stream cut after 20 tokens continues on the next provider with the text so far as context", async () => {
    groq.faults = [{ kind: "cut", afterTokens: 20 }];
    const a = await ask(api, token);
    const partial = defaultTokens(20).join("");
    const rest = defaultTokens(10)
      .map((t) => t.replace("w", "o"))
      .join("");
    expect(a.status).toBe("complete");
    expect(a.content).toBe(partial + rest);
    expect(summary(a.metadata.attempts)).toEqual(["groq:error:cut", "openai:ok:"]);
    const sent = openai.completions.at(-1)!.body.messages!;
    expect(sent.at(-2)).toEqual({ role: "assistant", content: partial });
    expect(sent.at(-1)?.content).toMatch(/continue/i);
  });

  it("a cut with no provider left to continue ends as error, keeping the partial text", async () => {
    groq.faults = [{ kind: "cut", afterTokens: 20 }];
    openai.faults = [{ kind: "status", status: 503 }];
    const a = await ask(api, token);
    expect(a.status).toBe("error");
    expect(a.content).toBe(defaultTokens(20).join(""));
    expect(summary(a.metadata.attempts)).toEqual(["groq:error:cut", "openai:error:server"]);
  });

  it("the provider list and the worker agree, and models come from the provider's /models", async () => {
    const listing = (await api.get("/providers", token)).body;
    expect(listing.order).toEqual(["groq", "openai", "offline"]);
    expect(listing.providers.map((p: any) => [p.name, p.models])).toEqual([
      ["groq", ["fake-large", "fake-small"]],
      ["openai", ["o-model", "fake-large", "fake-small"]],
      ["offline", ["none"]],
    ]);
    expect(groq.requests.some((r) => r.path === "/openai/v1/models")).toBe(true);
    expect(openai.requests.some((r) => r.path === "/v1/models")).toBe(true);
    const a = await ask(api, token);
    const def = listing.providers.find((p: any) => p.name === listing.default);
    expect(a.metadata).toMatchObject({ provider: listing.default, model: def.defaultModel });
    // A model picked from the list reaches the provider as it is.
    const picked = await ask(api, token, { provider: "openai", model: "fake-small" });
    expect(picked.metadata).toMatchObject({ provider: "openai", model: "fake-small" });
    expect(openai.completions.at(-1)?.body.model).toBe("fake-small");
  });
});

describe("honest answers when nothing real can answer", () => {
  it("OPENAI_BASE_URL set and that server down: says so, not that no model is configured", async () => {
    const { api, token } = await nodeWith({ OPENAI_BASE_URL: await deadUrl("/v1") });
    const a = await ask(api, token);
    expect(a.metadata.provider).toBe("offline");
    expect(a.content).not.toBe(OFFLINE_ANSWER);
    expect(a.content).toMatch(/OpenAI-compatible server refused the connection/);
    expect(a.content).toMatch(/Groq is not configured; the local model is not configured/);
    // No other real provider: the refused one was retried once, then offline answered.
    expect(summary(a.metadata.attempts)).toEqual([
      "openai:error:refused",
      "openai:error:refused",
      "offline:ok:",
    ]);
  });

  it("private sessions never call a remote provider, even when one is asked for", async () => {
    const groq = await fakeServer();
    const openai = await fakeServer();
    const { api, token } = await nodeWith({
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: groq.groqBaseUrl,
      OPENAI_BASE_URL: openai.openaiBaseUrl,
    });
    const sessionId = (await api.post("/chat/sessions", {}, token)).body.id;
    const patched = await api.patch(
      `/chat/${sessionId}`,
      { settings: { preference: "private" } },
      token,
    );
    expect(patched.body.settings.preference).toBe("private");
    const a = await ask(api, token, { sessionId });
    const b = await ask(api, token, { sessionId, provider: "groq" });
    for (const answer of [a, b]) {
      expect(answer.metadata.provider).toBe("offline");
      expect(answer.content).toMatch(/private/);
      expect(summary(answer.metadata.attempts)).toEqual(["offline:ok:"]);
    }
    expect(groq.completions).toHaveLength(0);
    expect(openai.completions).toHaveLength(0);
    const bad = await api.patch(`/chat/${sessionId}`, { settings: { preference: "cheap" } }, token);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("validation_failed");
  });
});

describe("circuit breaker", () => {
  it("opens after N failures (skipping the provider), then lets one probe through and closes", async () => {
    const primary = await fakeServer();
    const { api, token } = await nodeWith({
      OPENAI_BASE_URL: primary.openaiBaseUrl,
      AI_BREAKER_FAILURES: "2",
      AI_BREAKER_COOLDOWN_MS: "1500",
      AI_RETRY_AFTER_MAX_MS: "0",
    });
    primary.faults = [
      { kind: "status", status: 500 },
      { kind: "status", status: 500 },
    ];
    await ask(api, token);
    await ask(api, token);
    const before = primary.completions.length;
    const skipped = await ask(api, token);
    expect(summary(skipped.metadata.attempts)).toEqual([
      "openai:skipped:breaker_open",
      "offline:ok:",
    ]);
    expect(skipped.content).toMatch(/failed repeatedly and is paused until/);
    expect(primary.completions.length).toBe(before);
    const health = async () =>
      (await api.get("/providers", token)).body.providers.find((p: any) => p.name === "openai")
        .health;
    expect(await health()).toMatchObject({ state: "open", failures: 2 });
    // The cooldown is time itself: wait for the listing to say half-open.
    while ((await health()).state !== "half_open") await new Promise((r) => setTimeout(r, 50));
    const probe = await ask(api, token);
    expect(summary(probe.metadata.attempts)).toEqual(["openai:ok:"]);
    expect(primary.completions.length).toBe(before + 1);
    expect(await health()).toMatchObject({ state: "closed", failures: 0 });
  });
});

describe("circuit breaker across workers (Postgres + Redis, two nodes each with a worker)", () => {
  it("failures seen by whichever worker ran them open the breaker for every worker", async () => {
    const primary = await fakeServer();
    const stack = await createTestStack("postgres", { redis: true });
    stacks.push(stack);
    const env = {
      OPENAI_BASE_URL: primary.openaiBaseUrl,
      AI_BREAKER_FAILURES: "2",
      AI_BREAKER_COOLDOWN_MS: "60000",
      AI_RETRY_AFTER_MAX_MS: "0",
    };
    const a = apiClient((await stack.startNode(env)).url);
    const b = apiClient((await stack.startNode(env)).url);
    const { token } = await a.register("shared");
    primary.faults = Array.from({ length: 2 }, () => ({ kind: "status" as const, status: 500 }));
    await ask(a, token);
    await ask(b, token);
    const before = primary.completions.length;
    // BullMQ hands jobs to either worker: all of them now skip the provider.
    for (const api of [a, b, a, b]) {
      const skipped = await ask(api, token);
      expect(summary(skipped.metadata.attempts)).toEqual([
        "openai:skipped:breaker_open",
        "offline:ok:",
      ]);
    }
    expect(primary.completions.length).toBe(before);
    const health = (await b.get("/providers", token)).body.providers[0].health;
    expect(health).toMatchObject({ state: "open", failures: 2 });
  });
});
