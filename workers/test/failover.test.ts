import { Writable } from "node:stream";
import { MemoryProviderHealth } from "@engunity/core";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  defaultTokens,
  type FakeLlmServer,
  startFakeLlmServer,
} from "../../test/support/fakeLlmServer";
import { streamWithFallback } from "../src/processors/streamWithFallback";
import { Breaker } from "../src/providers/breaker";
import { GroqProvider } from "../src/providers/GroqProvider";
import { OfflineProvider } from "../src/providers/OfflineProvider";
import { OpenAiCompatibleProvider } from "../src/providers/OpenAiCompatibleProvider";

let fake: FakeLlmServer;
beforeAll(async () => {
  fake = await startFakeLlmServer({ tokens: defaultTokens(5) });
});
afterAll(() => fake?.close());

const KEY = "gsk_this_key_must_never_reach_a_log";

describe("streamWithFallback logging", () => {
  it("logs each failure once at warn with provider, status and reason, never the key", async () => {
    const lines: any[] = [];
    const logger = pino(
      { level: "info" },
      new Writable({
        write(chunk, _enc, done) {
          for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
          done();
        },
      }),
    );
    const health = new MemoryProviderHealth();
    const spec = { apiKey: KEY, defaultModel: "m", connectTimeoutMs: 1000 };
    fake.faults = [
      { kind: "status", status: 429, retryAfter: 60 },
      { kind: "status", status: 502 },
      // Nothing real after openai: a 5xx is retried once, shortly.
      { kind: "status", status: 502 },
    ];
    const texts: string[] = [];
    const result = await streamWithFallback(
      [
        { provider: new GroqProvider({ ...spec, baseURL: fake.groqBaseUrl }) },
        { provider: new OpenAiCompatibleProvider({ ...spec, baseURL: fake.openaiBaseUrl }) },
        { provider: new OfflineProvider() },
      ],
      {
        messages: [{ role: "user", content: "hi" }],
        maxTokens: 50,
        signal: new AbortController().signal,
        breaker: new Breaker(health, { threshold: 3, cooldownMs: 1000 }, 2000),
        health: await health.get(["groq", "openai"]),
        timeouts: () => ({ firstTokenTimeoutMs: 1000, totalTimeoutMs: 5000 }),
        unconfigured: ["local"],
        privateSession: false,
        logger,
        messageId: "m-1",
        onStart: () => {},
        onText: (t) => texts.push(t),
        onFailure: () => {},
      },
    );
    expect(result.provider).toBe("offline");
    expect(texts.join("")).toMatch(
      /^No AI model could answer this time\. Groq is rate-limited until \d\d:\d\d UTC; the OpenAI-compatible server failed \(HTTP 502\); the local model is not configured\./,
    );
    const warns = lines.filter((l) => l.level === 40);
    expect(warns.map((w) => [w.provider, w.status, w.kind])).toEqual([
      ["groq", 429, "rate_limited"],
      ["openai", 502, "server"],
      ["openai", 502, "server"],
    ]);
    expect(result.attempts.map((a) => a.outcome)).toEqual(["rate_limited", "error", "error", "ok"]);
    expect(warns.every((w) => typeof w.reason === "string" && w.reason.length > 0)).toBe(true);
    expect(JSON.stringify(lines)).not.toContain(KEY);
  });
});
