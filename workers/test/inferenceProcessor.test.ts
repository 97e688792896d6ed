import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLogger,
  loadConfig,
  openAiRuntime,
  ProviderCatalog,
  type RoomEmitter,
} from "@engunity/core";
import { createDb, createMessages, createSession, type Db } from "@engunity/db";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAiMetrics } from "../src/metrics";
import { createInferenceProcessor } from "../src/processors/InferenceProcessor";
import { Breaker } from "../src/providers/breaker";
import type { LlmProvider, StreamRequest } from "../src/providers/LlmProvider";

/** A provider that yields one token each time the test releases it. */
function steppedProvider() {
  const waiters: (() => void)[] = [];
  let released = 0;
  const provider: LlmProvider = {
    name: "stepped",
    defaultModel: "s1",
    async *stream(req: StreamRequest) {
      req.signal.addEventListener("abort", () => {
        for (const w of waiters.splice(0)) w();
      });
      for (let i = 0; i < 100; i++) {
        while (released <= i) {
          if (req.signal.aborted) return;
          await new Promise<void>((r) => waiters.push(r));
        }
        if (req.signal.aborted) return;
        yield { type: "text", text: `s${i} ` };
      }
    },
  };
  return {
    provider,
    step(n = 1) {
      released += n;
      for (const w of waiters.splice(0)) w();
    },
  };
}

describe("InferenceProcessor", () => {
  let db: Db;
  const config = loadConfig({
    DATA_DIR: mkdtempSync(join(tmpdir(), "engunity-ip-")),
    LOG_LEVEL: "silent",
    AI_BATCH_MS: "1",
  });
  const logger = createLogger("silent");
  const runtime = openAiRuntime(config, logger);
  const deltas: { epoch: number; seq: number; text: string }[] = [];
  /** Woken on every `ai:delta`, so a test waits for the emit itself, not a clock. */
  let onDelta = () => {};
  const emitter: RoomEmitter = {
    to: () => ({
      emit: (event: string, payload: unknown) => {
        if (event === "ai:delta") {
          deltas.push(payload as { epoch: number; seq: number; text: string });
          onDelta();
        }
        return true;
      },
    }),
  };

  beforeAll(async () => {
    db = createDb({ sqlitePath: ":memory:" });
    await db.migrate();
  });
  afterAll(async () => {
    await runtime.close();
    await db.close();
  });

  it("a run whose epoch was taken over stops streaming and writes nothing", async () => {
    const user = await db.models.User.create({
      username: "u",
      email: "u@x.test",
      hashedPassword: "x",
      fullName: null,
    });
    const session = await createSession(db, user.id, "s");
    const { messages } = await createMessages(db, [
      { sessionId: session.id, authorId: user.id, role: "user", content: "q" },
      {
        sessionId: session.id,
        authorId: null,
        role: "assistant",
        content: "",
        status: "streaming",
      },
    ]);
    const [question, answer] = messages as [(typeof messages)[0], (typeof messages)[0]];
    const stepped = steppedProvider();
    const shutdown = new AbortController();
    const processJob = createInferenceProcessor({
      config,
      db,
      logger,
      emitter,
      runtime,
      providers: new Map([["stepped", stepped.provider]]),
      catalog: new ProviderCatalog(config, runtime.health),
      breaker: new Breaker(runtime.health, { threshold: 3, cooldownMs: 1000 }, 2000),
      metrics: createAiMetrics(new Registry()),
      shutdown: shutdown.signal,
    });
    const run = processJob(
      {
        messageId: answer.id,
        sessionId: session.id,
        userId: user.id,
        userMessageId: question.id,
        provider: "stepped",
        enqueuedAt: Date.now(),
      },
      { attempt: 1 },
    );
    const seen = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`no ${n} deltas`)), 5000);
        onDelta = () => {
          if (deltas.length < n) return;
          clearTimeout(deadline);
          onDelta = () => {};
          resolve();
        };
        onDelta();
      });
    stepped.step();
    await seen(1);
    expect(deltas[0]).toMatchObject({ epoch: 1, seq: 1, text: "s0 " });
    // Another worker took the job over (a stall retry): epoch 2 now owns the log.
    expect(await runtime.log.begin(answer.id, session.id)).toBe(2);
    stepped.step(5);
    await run;
    expect(deltas.every((d) => d.epoch === 1)).toBe(true);
    expect(deltas).toHaveLength(1);
    const row = await db.models.ChatMessage.findByPk(answer.id);
    expect(row?.status).toBe("streaming");
    expect((await runtime.log.read(answer.id, 0))?.deltas).toEqual([]);
  });
});
