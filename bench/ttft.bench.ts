/**
 * Time-to-first-token overhead: a client's first `ai:delta` of an answer minus the
 * provider's first token write (a loopback Groq in this process, so one clock), for
 * one realtime node with its worker in the same process — embedded (SQLite, in-process
 * queue and rooms) and scaled (Postgres, BullMQ, Redis resume log and emitter). It is
 * what our path adds: queue pickup, context reads, the router, the batcher, the log
 * append, the fan-out.
 *
 *   npx tsx bench/ttft.bench.ts [--quick] [--runs=40] [--label=name]
 */
import { performance } from "node:perf_hooks";
import { apiClient } from "../test/support/api";
import { startFakeLlmServer } from "../test/support/fakeLlmServer";
import { createTestStack, type DbKind } from "../test/support/node";
import { ensureServices } from "../test/support/services";
import { connectClient, emitAck } from "../test/support/sockets";
import { parseArgs } from "./lib/fixtures";
import { reportRows, writeResult } from "./lib/results";
import { printTable, summarize } from "./lib/stats";

const args = parseArgs();
const RUNS = Number(args.runs ?? (args.quick === "true" ? 8 : 40));
const LABEL = args.label ?? "this branch";

async function measure(kind: DbKind, redis: boolean): Promise<number[]> {
  // Tokens 20 ms apart, as a model streams: a first batch that waits out its window shows.
  const fake = await startFakeLlmServer({
    tokens: Array.from({ length: 8 }, (_, i) => `t${i} `),
    tokenIntervalMs: 20,
  });
  const stack = await createTestStack(kind, { redis });
  try {
    const node = await stack.startNode({
      GROQ_API_KEY: "gsk_bench",
      GROQ_BASE_URL: fake.groqBaseUrl,
      AI_PROVIDER_ORDER: "groq,offline",
      AI_RATE_PER_MINUTE: "100000",
      LOG_LEVEL: "silent",
    });
    const api = apiClient(node.url);
    const { token } = await api.register("ttft");
    const sessionId = (await api.post("/chat/sessions", {}, token)).body.id;
    const socket = await connectClient(node.url, token);
    await emitAck(socket, "session:join", { sessionId });
    const samples: number[] = [];
    for (let i = 0; i < RUNS + 3; i++) {
      const firstDelta = new Promise<number>((resolve) => {
        const on = () => {
          socket.off("ai:delta", on);
          resolve(performance.now());
        };
        socket.on("ai:delta", on);
      });
      const done = new Promise<void>((resolve) => socket.once("ai:done", () => resolve()));
      const before = fake.requests.length;
      await emitAck(socket, "message:send", {
        sessionId,
        content: `q${i}`,
        clientId: `t${i}`,
        ai: true,
      });
      const at = await firstDelta;
      await done;
      const record = fake.requests.slice(before).find((r) => r.path.endsWith("/chat/completions"));
      // The first few warm up connections and JIT.
      if (i >= 3 && record?.firstTokenAt) samples.push(at - record.firstTokenAt);
    }
    socket.close();
    return samples;
  } finally {
    await stack.close();
    await fake.close();
  }
}

async function main(): Promise<void> {
  await ensureServices();
  const embedded = summarize(await measure("sqlite", false));
  const scaled = summarize(await measure("postgres", true));
  printTable(`TTFT overhead (ms), ${LABEL}, ${RUNS} answers each`, [
    { mode: "embedded", ...embedded },
    { mode: "scaled", ...scaled },
  ]);
  reportRows("ttft", [
    {
      measure: "TTFT overhead, embedded (SQLite, in-process), p50",
      unit: "ms",
      engunity: [embedded.p50],
      note: "first ai:delta minus the provider's first token write, incl. one batch window",
    },
    {
      measure: "TTFT overhead, scaled (Postgres, BullMQ, Redis), p50",
      unit: "ms",
      engunity: [scaled.p50],
    },
    { measure: "TTFT overhead, scaled, p99", unit: "ms", engunity: [scaled.p99] },
  ]);
  const file = writeResult(`ttft${args.label ? `-${args.label}` : ""}`, {
    label: LABEL,
    runs: RUNS,
    embedded,
    scaled,
  });
  console.log(`\nwrote ${file}`);
  process.exit(0);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
