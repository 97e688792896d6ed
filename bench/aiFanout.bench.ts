/**
 * AI token streaming, end to end: two realtime nodes and one worker process (Postgres,
 * Redis), a loopback Groq streaming tokens at a fixed rate, and N viewers (100, 1,000)
 * split over both nodes in one session. Measures, on one clock (the loopback provider
 * and the clients share this process):
 *
 * - TTFT overhead: first `ai:delta` at a client minus the provider's first token write
 *   (it includes up to one batch window, AI_BATCH_MS, by design);
 * - batch fan-out latency: for each batch at each viewer, arrival minus the provider's
 *   write of the batch's last token;
 *
 * against the floor: `@socket.io/redis-emitter` in this process (as the worker holds
 * one) publishing the same number of batches, one per batch window, to N clients of
 * two bare Socket.IO + redis-adapter nodes (emit-to-arrival). Each room is joined once
 * per size; answers and floor bursts then alternate A B A B --runs times.
 *
 *   npm run bench -- aiFanout [--quick] [--sizes=100,1000] [--tokens=60] [--token-ms=20] [--runs=3]
 */
import { performance } from "node:perf_hooks";
import { Emitter } from "@socket.io/redis-emitter";
import { Redis } from "ioredis";
import type { Socket } from "socket.io-client";
import { startFakeLlmServer } from "../test/support/fakeLlmServer";
import { REDIS_URL } from "../test/support/services";
import { spawnWorkerProcess } from "../test/support/worker";
import {
  connectSocket,
  createBenchUsers,
  parseArgs,
  runBench,
  startBarePair,
  startEngunityPair,
} from "./lib/fixtures";
import { reportRows, type SuiteRow, writeResult } from "./lib/results";
import { createBenchSession, joinRoom } from "./lib/rooms";
import { alternate, summarize } from "./lib/stats";

const args = parseArgs();
const QUICK = args.quick === "true";
const SIZES = (args.sizes ?? (QUICK ? "100,300" : "100,1000")).split(",").map(Number);
const TOKENS = Number(args.tokens ?? (QUICK ? 30 : 60));
const TOKEN_MS = Number(args["token-ms"] ?? 20);
const RUNS = Number(args.runs ?? (QUICK ? 1 : 3));
const BATCH_MS = 30;

runBench(
  async ({ stack, db, started }) => {
    const fake = await startFakeLlmServer({
      tokens: Array.from({ length: TOKENS }, (_, i) => `t${i} `),
      tokenIntervalMs: TOKEN_MS,
    });
    started.push({ stop: () => fake.close() });
    const aiEnv = {
      GROQ_API_KEY: "gsk_bench",
      GROQ_BASE_URL: fake.groqBaseUrl,
      AI_PROVIDER_ORDER: "groq,offline",
    };
    console.log("starting two Engunity nodes, one worker and two bare Socket.IO nodes…");
    const [engA, engB] = await startEngunityPair({ ...stack.env, ...aiEnv }, started);
    started.push(await spawnWorkerProcess({ ...stack.env, ...aiEnv, LOG_LEVEL: "info" }));
    const [bareA, bareB] = await startBarePair(stack.env.REDIS_PREFIX!, started);

    const { users, tokens } = await createBenchUsers(
      db,
      Math.max(...SIZES),
      "aibench",
      stack.env.SECRET_KEY!,
    );

    const emitterRedis = new Redis(REDIS_URL);
    const emitter = new Emitter(emitterRedis, { key: `${stack.env.REDIS_PREFIX}:bare` });

    /** One AI answer streamed into the joined session; arrivals timed against the provider's writes. */
    const answer = async (sessionId: string, clients: Socket[], n: number, run: number) => {
      const arrivals: { client: number; seq: number; text: string; at: number }[] = [];
      let doneCount = 0;
      let resolveDone!: () => void;
      const allDone = new Promise<void>((r) => {
        resolveDone = r;
      });
      const onDelta = clients.map((_, client) => (d: { seq: number; text: string }) => {
        arrivals.push({ client, seq: d.seq, text: d.text, at: performance.now() });
      });
      const onDone = () => {
        if (++doneCount === n) resolveDone();
      };
      clients.forEach((socket, i) => {
        socket.on("ai:delta", onDelta[i]!);
        socket.on("ai:done", onDone);
      });
      const before = fake.requests.length;
      const sent = await clients[0]!.timeout(10_000).emitWithAck("message:send", {
        sessionId,
        content: "bench",
        clientId: `ai-${n}-${run}`,
        ai: true,
      });
      if (!sent?.ok) throw new Error(`send failed: ${JSON.stringify(sent)}`);
      await Promise.race([allDone, new Promise((r) => setTimeout(r, 60_000))]);
      clients.forEach((socket, i) => {
        socket.off("ai:delta", onDelta[i]!);
        socket.off("ai:done", onDone);
      });
      const record = fake.requests.slice(before).find((r) => r.firstTokenAt !== undefined);
      if (!record?.firstTokenAt) throw new Error("the provider was not called");
      const ttft: number[] = [];
      const firstByClient = new Map<number, number>();
      const fanout: number[] = [];
      for (const a of arrivals) {
        if (!firstByClient.has(a.client)) firstByClient.set(a.client, a.at);
        const last = Number(/t(\d+) $/.exec(a.text)?.[1] ?? Number.NaN);
        const writtenAt = record.writtenAt[last];
        if (writtenAt !== undefined) fanout.push(a.at - writtenAt);
      }
      for (const at of firstByClient.values()) ttft.push(at - record.firstTokenAt);
      const batches = new Set(arrivals.map((a) => a.seq)).size;
      return {
        n,
        batches,
        deliveries: arrivals.length,
        done: doneCount,
        lost: batches * n - arrivals.length + (n - doneCount),
        ttftMs: summarize(ttft),
        fanoutMs: summarize(fanout),
      };
    };

    /** The floor: `messages` emits through redis-emitter, one per batch window, emit-to-arrival. */
    const burst = async (room: string, clients: Socket[], n: number, messages: number) => {
      const latencies: number[] = [];
      let delivered = 0;
      let resolveAll!: () => void;
      const all = new Promise<void>((r) => {
        resolveAll = r;
      });
      const onNew = (p: { content: string }) => {
        latencies.push(performance.now() - Number(p.content));
        if (++delivered === n * messages) resolveAll();
      };
      for (const socket of clients) socket.on("new", onNew);
      for (let k = 0; k < messages; k++) {
        emitter.to(room).emit("new", { content: performance.now().toFixed(3) });
        await new Promise((r) => setTimeout(r, BATCH_MS));
      }
      await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
      for (const socket of clients) socket.off("new", onNew);
      return { ...summarize(latencies), lost: n * messages - delivered };
    };

    const rows: SuiteRow[] = [];
    const runs: unknown[] = [];
    const floorName = "redis-emitter → bare Socket.IO + redis adapter";
    for (const n of SIZES) {
      const sessionId = await createBenchSession(db, users.slice(0, n), `ai bench ${n}`, "viewer");
      const eng = await joinRoom({
        target: "engunity",
        urls: [engA.url, engB.url],
        room: sessionId,
        tokens,
        n,
        quietMs: QUICK ? 2500 : 6000,
        connect: connectSocket,
      });
      const bareRoom = `ai-bare-${n}`;
      const bare = await joinRoom({
        target: "bare",
        urls: [bareA.url, bareB.url],
        room: bareRoom,
        tokens,
        n,
        connect: connectSocket,
      });
      let batches = Math.max(10, Math.round((TOKENS * TOKEN_MS) / BATCH_MS));
      const r = await alternate(
        RUNS,
        () => burst(bareRoom, bare.clients, n, batches),
        async (run) => {
          const a = await answer(sessionId, eng.clients, n, run);
          batches = Math.max(10, a.batches);
          return a;
        },
      );
      for (const socket of [...eng.clients, ...bare.clients]) socket.close();
      for (const [i, e] of r.engunity.entries())
        console.log(
          `n=${n} run ${i}: ${e.batches} batches, ttft p50 ${e.ttftMs.p50} ms, fan-out p50 ${e.fanoutMs.p50} / floor ${r.floor[i]!.p50} ms, p99 ${e.fanoutMs.p99} / ${r.floor[i]!.p99} ms`,
        );
      runs.push({ n, ...r });
      rows.push(
        {
          measure: `AI batch fan-out, ${n} viewers, p50`,
          unit: "ms",
          engunity: r.engunity.map((x) => x.fanoutMs.p50),
          floor: r.floor.map((x) => x.p50),
          floorName,
        },
        {
          measure: `AI batch fan-out, ${n} viewers, p99`,
          unit: "ms",
          engunity: r.engunity.map((x) => x.fanoutMs.p99),
          floor: r.floor.map((x) => x.p99),
          floorName,
          goal: n >= 1000 ? { of: "ratio", op: "<=", value: 1.5 } : undefined,
        },
        {
          measure: `AI answer, ${n} viewers, batches lost`,
          unit: "deliveries",
          engunity: r.engunity.map((x) => x.lost),
          floor: r.floor.map((x) => x.lost),
          floorName,
          goal: { of: "value", op: "<=", value: 0 },
        },
      );
    }
    await emitterRedis.quit();
    reportRows("aiFanout", rows);
    const file = writeResult("aiFanout", {
      description:
        "One AI answer streamed to N viewers split over two realtime nodes. ttft+ = first ai:delta at a client minus the loopback provider's first token write (includes up to one AI_BATCH_MS window); fanout = arrival of a batch minus the provider's write of its last token; floor = redis-emitter emit-to-arrival through bare Socket.IO + redis adapter, one emit per batch window. One clock; alternated.",
      params: { sizes: SIZES, tokens: TOKENS, tokenMs: TOKEN_MS, batchMs: BATCH_MS, runs: RUNS },
      rows,
      runs,
    });
    console.log(`\nwrote ${file}`);
  },
  { worker: false },
);
