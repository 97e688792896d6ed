import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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
  const kinds = chunks.map((c) => c.type);
  return { text, kinds, usage: usage?.type === "usage" ? usage.usage : undefined };
}

/** A loopback port nothing listens on: connecting to it is refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const spec = (baseURL: string) => ({
  apiKey: "gsk_test",
  baseURL,
  defaultModel: "fake-large",
  connectTimeoutMs: 400,
});

/** The same contract for every HTTP provider, with the real SDK against the loopback server. */
describe.each<[string, (base?: string) => LlmProvider, (f: FakeLlmServer) => string]>([
  [
    "groq (groq-sdk)",
    (base) => new GroqProvider(spec(base ?? fake.groqBaseUrl)),
    (f) => f.groqBaseUrl,
  ],
  [
    "openai (openai sdk)",
    (base) => new OpenAiCompatibleProvider(spec(base ?? fake.openaiBaseUrl)),
    (f) => f.openaiBaseUrl,
  ],
])("LlmProvider contract: %s", (_name, make, baseOf) => {
  it("streams the text deltas in order, says when the response opened and why it finished, and reports usage", async () => {
    const provider = make();
    const { text, usage, kinds } = await collect(provider);
    expect(text).toBe(defaultTokens(12).join(""));
    expect(usage).toMatchObject({ completionTokens: 12 });
    expect(kinds[0]).toBe("open");
    expect(kinds).toContain("finish");
    expect(fake.requests.at(-1)?.body).toMatchObject({
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
  });

  it("never retries or sleeps on a 429 with Retry-After: 60: it fails at once, rate limited, with the wait", async () => {
    const provider = make();
    const before = fake.completions.length;
    fake.faults = [{ kind: "status", status: 429, retryAfter: 60 }];
    const t0 = performance.now();
    const err = await collect(provider).catch((e) => e);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.kind).toBe("rate_limited");
    expect(err.opts).toMatchObject({ status: 429, retryAfterMs: 60_000 });
    expect(fake.completions.length - before).toBe(1);
  });

  it("classifies a 500, a refused connection and a hang before the first byte", async () => {
    fake.faults = [{ kind: "status", status: 500 }];
    const server = await collect(make()).catch((e) => e);
    expect(server).toMatchObject({ kind: "server", opts: { status: 500 } });

    const port = await refusedPort();
    const base = baseOf(fake).replace(/:\d+/, `:${port}`);
    const refused = await collect(make(base)).catch((e) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    expect(refused.kind).toBe("refused");

    fake.faults = [{ kind: "hang" }];
    const t0 = performance.now();
    const hung = await collect(make()).catch((e) => e);
    expect(hung).toBeInstanceOf(ProviderError);
    expect(hung.kind).toBe("timeout");
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("fails with a cut ProviderError when the stream is cut mid-way, after yielding what came", async () => {
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
