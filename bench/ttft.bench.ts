/**
 * Time-to-first-token overhead: a client's first `ai:delta` of an answer minus the
 * provider's first token write (a loopback Groq in this process, so one clock), for
 * one realtime node with its worker in the same process — embedded (SQLite, in-process
 * queue and rooms) and scaled (Postgres, BullMQ, Redis resume log and emitter). It is
 * what our path adds: queue pickup, context reads, the router, the batcher, the log
 * append, the fan-out.
 *
 * And the local model against its floor: time to first token through Engunity's local
 * provider (embedded node, `LLM_MODEL_PATH` = the tiny GGUF scripts/make-tiny-gguf.ts
 * writes; `message:send` → first `ai:delta` at the client) against node-llama-cpp called
 * directly on the same file with the same prompt (lib/llamaFloor.ts), alternated A B
 * A B one answer each.
 *
 *   npx tsx bench/ttft.bench.ts [--quick] [--runs=40] [--local-runs=20] [--label=name]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { makeTinyGguf } from "../scripts/make-tiny-gguf";
import { apiClient } from "../test/support/api";
import { startFakeLlmServer } from "../test/support/fakeLlmServer";
import { createTestStack, type DbKind } from "../test/support/node";
import { ensureServices } from "../test/support/services";
import { connectClient, emitAck } from "../test/support/sockets";
import { parseArgs } from "./lib/fixtures";
import { openLlamaFloor } from "./lib/llamaFloor";
import { reportRows, writeResult } from "./lib/results";
import { alternate, printTable, summarize } from "./lib/stats";

const args = parseArgs();
const RUNS = Number(args.runs ?? (args.quick === "true" ? 8 : 40));
const LOCAL_RUNS = Number(args["local-runs"] ?? (args.quick === "true" ? 6 : 20));
const LABEL = args.label ?? "this branch";
/** What the local provider is given, and the floor the same. */
const LOCAL = { threads: 1, contextSize: 2048, maxTokens: 16 };

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

/** First-token times of the local model, Engunity's path and node-llama-cpp's own, paired. */
async function measureLocal(): Promise<{ floor: number[]; engunity: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), "engunity-bench-gguf-"));
  const modelPath = join(dir, "tiny.gguf");
  writeFileSync(modelPath, makeTinyGguf({ seed: 11 }));
  const stack = await createTestStack("sqlite");
  const floor = await openLlamaFloor({ modelPath, ...LOCAL });
  try {
    const node = await stack.startNode({
      LLM_MODEL_PATH: modelPath,
      LLM_THREADS: String(LOCAL.threads),
      AI_MAX_TOKENS: String(LOCAL.maxTokens),
      AI_PROVIDER_ORDER: "local,offline",
      AI_RATE_PER_MINUTE: "100000",
      LOG_LEVEL: "silent",
    });
    const api = apiClient(node.url);
    const { token } = await api.register("ttftlocal");
    const sessionId = (await api.post("/chat/sessions", {}, token)).body.id;
    const socket = await connectClient(node.url, token);
    await emitAck(socket, "session:join", { sessionId });
    const engunity = async (i: number) => {
      const firstDelta = new Promise<number>((resolve) =>
        socket.once("ai:delta", () => resolve(performance.now())),
      );
      const done = new Promise<string | undefined>((resolve) =>
        socket.once("ai:done", (e: { message: { metadata?: { provider?: string } } }) =>
          resolve(e.message.metadata?.provider),
        ),
      );
      const t0 = performance.now();
      await emitAck(socket, "message:send", {
        sessionId,
        content: `is the sky blue? (${i})`,
        clientId: `l${i}-${Date.now()}`,
        ai: true,
      });
      const at = await firstDelta;
      // A fallback to the offline provider would time something else.
      const provider = await done;
      if (provider !== "local") throw new Error(`answered by ${provider}, not the local model`);
      return at - t0;
    };
    const raw = (i: number) => floor.firstTokenMs(`is the sky blue? (${i})`, "ttftlocal");
    // Warm-up, not counted: the first answer loads the model into the node.
    await alternate(2, raw, engunity);
    const pairs = await alternate(LOCAL_RUNS, raw, engunity);
    socket.close();
    return pairs;
  } finally {
    await floor.close();
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await ensureServices();
  const embedded = summarize(await measure("sqlite", false));
  const scaled = summarize(await measure("postgres", true));
  const local = await measureLocal();
  printTable(`TTFT overhead (ms), ${LABEL}, ${RUNS} answers each`, [
    { mode: "embedded", ...embedded },
    { mode: "scaled", ...scaled },
  ]);
  printTable(`TTFT of the local model (ms), ${LOCAL_RUNS} answers each, alternated`, [
    { path: "node-llama-cpp direct", ...summarize(local.floor) },
    { path: "Engunity (embedded)", ...summarize(local.engunity) },
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
    {
      // One sample per answer, each beside a direct call: the ratio is the median of the pairs.
      measure: "TTFT, local model (tiny GGUF), send → first ai:delta",
      unit: "ms",
      engunity: local.engunity,
      floor: local.floor,
      floorName: "node-llama-cpp called directly, same model and prompt",
      note: `${LOCAL.threads} thread, context ${LOCAL.contextSize}, a fresh context per answer on both sides`,
    },
  ]);
  const file = writeResult(`ttft${args.label ? `-${args.label}` : ""}`, {
    label: LABEL,
    runs: RUNS,
    embedded,
    scaled,
    local: {
      ...LOCAL,
      runs: LOCAL_RUNS,
      floor: summarize(local.floor),
      engunity: summarize(local.engunity),
      samples: local,
    },
  });
  console.log(`\nwrote ${file}`);
  process.exit(0);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
