import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  defaultTokens,
  type FakeLlmServer,
  startFakeLlmServer,
} from "../../test/support/fakeLlmServer";
import { GroqProvider } from "../src/providers/GroqProvider";
import { type LlmProvider, ProviderError, type StreamChunk } from "../src/providers/LlmProvider";
import { OFFLINE_ANSWER, OfflineProvider } from "../src/providers/OfflineProvider";
import { OpenAiCompatibleProvider } from "../src/providers/OpenAiCompatibleProvider";

let fake: FakeLlmServer;
beforeAll(async () => {
  fake = await startFakeLlmServer({ tokens: defaultTokens(12) });
});
afterAll(() => fake?.close());

async function collect(provider: LlmProvider, signal = new AbortController().signal) {
  const chunks: StreamChunk[] = [];
  for await (const c of provider.stream({
    messages: [{ role: "user", content: "hi" }],
    maxTokens: 100,
    signal,
  }))
    chunks.push(c);
  const text = chunks.flatMap((c) => (c.type === "text" ? [c.text] : [])).join("");
  const usage = chunks.find((c) => c.type === "usage");
  return { text, usage: usage?.type === "usage" ? usage.usage : undefined };
}

/** The same contract for every HTTP provider, with the real SDK against the loopback server. */
describe.each<[string, () => LlmProvider]>([
  [
    "groq (groq-sdk)",
    () =>
      new GroqProvider({
        apiKey: "gsk_test",
        baseURL: fake.groqBaseUrl,
        model: "llama-3.3-70b-versatile",
      }),
  ],
  [
    "openai (openai sdk)",
    () => new OpenAiCompatibleProvider({ baseURL: fake.openaiBaseUrl, model: "tiny" }),
  ],
])("LlmProvider contract: %s", (_name, make) => {
  it("streams the text deltas in order and reports usage", async () => {
    const provider = make();
    const { text, usage } = await collect(provider);
    expect(text).toBe(defaultTokens(12).join(""));
    expect(usage).toMatchObject({ completionTokens: 12 });
    expect(fake.requests.at(-1)?.body).toMatchObject({
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
  });

  it("retries a 429 once after retry-after, then gives up on a 500 with a ProviderError", async () => {
    const provider = make();
    const before = fake.requests.length;
    fake.faults = [
      { kind: "status", status: 429, retryAfterMs: 10 },
      { kind: "status", status: 500 },
    ];
    const err = await collect(provider).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.opts.status).toBe(500);
    expect(fake.requests.slice(before).map((r) => r.status)).toEqual([429, 500]);
  });

  it("reports a 429 that persists as rate limited", async () => {
    const provider = make();
    fake.faults = [
      { kind: "status", status: 429, retryAfterMs: 10 },
      { kind: "status", status: 429, retryAfter: 7 },
    ];
    const err = await collect(provider).catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.opts).toMatchObject({ rateLimited: true, retryAfterSeconds: 7 });
  });

  it("fails with a ProviderError when the stream is cut mid-way, after yielding what came", async () => {
    const provider = make();
    fake.faults = [{ kind: "cut", afterTokens: 5 }];
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of provider.stream({
        messages: [{ role: "user", content: "x" }],
        maxTokens: 100,
        signal: new AbortController().signal,
      })) {
        if (c.type === "text") seen.push(c.text);
      }
    })().catch((e) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(seen.join("")).toBe(defaultTokens(5).join(""));
  });

  it("aborts the upstream request when the signal fires", async () => {
    const provider = make();
    fake.tokenIntervalMs = 20;
    try {
      const controller = new AbortController();
      const aborted = fake.nextAbort();
      const seen: string[] = [];
      for await (const c of provider.stream({
        messages: [{ role: "user", content: "x" }],
        maxTokens: 100,
        signal: controller.signal,
      })) {
        if (c.type === "text") seen.push(c.text);
        if (seen.length === 3) controller.abort();
      }
      const record = await aborted;
      expect(seen).toHaveLength(3);
      expect(record.tokensSent).toBeLessThan(12);
    } finally {
      fake.tokenIntervalMs = 0;
    }
  });
});

describe("OfflineProvider", () => {
  it("says plainly that no model is configured and how to set one", async () => {
    const { text } = await collect(new OfflineProvider());
    expect(text).toBe(OFFLINE_ANSWER);
    expect(text).toMatch(/GROQ_API_KEY/);
    expect(text).toMatch(/LLM_MODEL_PATH/);
    expect(text).toMatch(/OPENAI_BASE_URL/);
  });
});
