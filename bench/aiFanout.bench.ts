/**
 * AI token streaming, end to end: two realtime nodes and one worker process (Postgres,
 * Redis), a loopback Groq streaming tokens at a fixed rate, and N viewers (10, 100,
 * 1,000) split over both nodes in one session. Measures, on one clock (the loopback
 * provider and the clients share this process):
 *
 * - TTFT overhead: first `ai:delta` at a client minus the provider's first token write
 *   (it includes up to one batch window, AI_BATCH_MS, by design);
 * - batch fan-out latency: for each batch at each viewer, arrival minus the provider's
 *   write of the batch's last token;
 *
 * against the floor: bare Socket.IO + redis adapter relaying a message from this
 * process to the same N clients (send-to-arrival), as a ratio.
 *
 *   npm run bench -- aiFanout   or   npx tsx bench/aiFanout.bench.ts [--sizes=10,100,1000] [--tokens=60] [--token-ms=20]
 */
import { performance } from "node:perf_hooks";
import { createDb } from "@engunity/db";
import { startFakeLlmServer } from "../test/support/fakeLlmServer";
import { createTestStack } from "../test/support/node";
import { ensureServices } from "../test/support/services";
import { spawnWorkerProcess } from "../test/support/worker";
import {
  connectSocket,
  createBenchUsers,
  inBatches,
  parseArgs,
  startBarePair,
  startEngunityPair,
} from "./lib/fixtures";
import { writeResult } from "./lib/results";
import { printTable, summarize } from "./lib/stats";

const args = parseArgs();
const SIZES = (args.sizes ?? "10,100,1000").split(",").map(Number);
const TOKENS = Number(args.tokens ?? 60);
const TOKEN_MS = Number(args["token-ms"] ?? 20);
const CONNECT_CONCURRENCY = 50;

async function main(): Promise<void> {
  await ensureServices();
  const fake = await startFakeLlmServer({
    tokens: Array.from({ length: TOKENS }, (_, i) => `t${i} `),
    tokenIntervalMs: TOKEN_MS,
  });
  const stack = await createTestStack("postgres", { redis: true, worker: false });
  const aiEnv = {
    GROQ_API_KEY: "gsk_bench",
    GROQ_BASE_URL: fake.groqBaseUrl,
    AI_PROVIDER_ORDER: "groq,offline",
  };
  const started: { stop(): Promise<void> }[] = [];
  const db = createDb({ databaseUrl: stack.env.DATABASE_URL, poolMax: 4 });
  try {
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

    const runEngunity = async (n: number) => {
      const session = await db.models.ChatSession.create({
        userId: users[0]!.id,
        title: `ai bench ${n}`,
        settings: {},
      });
      await db.models.SessionMember.bulkCreate(
        users.slice(0, n).map((u, i) => ({
          sessionId: session.id,
          userId: u.id,
          role: i === 0 ? "owner" : "viewer",
        })),
      );
      const clients = await inBatches(users.slice(0, n), CONNECT_CONCURRENCY, async (_u, i) => {
        const socket = await connectSocket([engA.url, engB.url][i % 2]!, { token: tokens[i]! });
        const ack = await socket
          .timeout(30_000)
          .emitWithAck("session:join", { sessionId: session.id });
        if (!ack?.ok) throw new Error(`join failed: ${JSON.stringify(ack)}`);
        return socket;
      });
      const arrivals: { client: number; seq: number; text: string; at: number }[] = [];
      let doneCount = 0;
      let resolveDone!: () => void;
      const allDone = new Promise<void>((r) => {
        resolveDone = r;
      });
      clients.forEach((socket, client) => {
        socket.on("ai:delta", (d: { seq: number; text: string }) => {
          arrivals.push({ client, seq: d.seq, text: d.text, at: performance.now() });
        });
        socket.on("ai:done", () => {
          if (++doneCount === n) resolveDone();
        });
      });
      const before = fake.requests.length;
      const sent = await clients[0]!.timeout(10_000).emitWithAck("message:send", {
        sessionId: session.id,
        content: "bench",
        clientId: `ai-${n}`,
        ai: true,
      });
      if (!sent?.ok) throw new Error(`send failed: ${JSON.stringify(sent)}`);
      await Promise.race([allDone, new Promise((r) => setTimeout(r, 60_000))]);
      for (const socket of clients) socket.close();
      const record = fake.requests[before];
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
        ttftMs: summarize(ttft),
        fanoutMs: summarize(fanout),
      };
    };

    const runBare = async (n: number, messages: number) => {
      const room = `ai-bare-${n}`;
      const clients = await inBatches(users.slice(0, n), CONNECT_CONCURRENCY, async (_u, i) => {
        const socket = await connectSocket([bareA.url, bareB.url][i % 2]!, {});
        const ack = await socket.timeout(30_000).emitWithAck("join", room);
        if (!ack?.ok) throw new Error("bare join failed");
        return socket;
      });
      const latencies: number[] = [];
      let delivered = 0;
      let resolveAll!: () => void;
      const all = new Promise<void>((r) => {
        resolveAll = r;
      });
      for (const socket of clients) {
        socket.on("new", (p: { content: string }) => {
          latencies.push(performance.now() - Number(p.content));
          if (++delivered === n * messages) resolveAll();
        });
      }
      // The same cadence as the AI's batches: one message per batch window.
      const sender = clients[0]!;
      for (let k = 0; k < messages; k++) {
        sender.emit("send", { room, content: performance.now().toFixed(3) }, () => {});
        await new Promise((r) => setTimeout(r, 30));
      }
      await Promise.race([all, new Promise((r) => setTimeout(r, 30_000))]);
      for (const socket of clients) socket.close();
      return summarize(latencies);
    };

    const rows: Record<string, string | number>[] = [];
    const runs: unknown[] = [];
    for (const n of SIZES) {
      const eng = await runEngunity(n);
      const bare = await runBare(n, Math.max(10, eng.batches));
      console.log(
        `n=${n}: ${eng.batches} batches, ttft p50 ${eng.ttftMs.p50} ms, fan-out p50 ${eng.fanoutMs.p50} / bare ${bare.p50} ms`,
      );
      runs.push({ ...eng, bareMs: bare });
      rows.push({
        viewers: n,
        batches: eng.batches,
        "ttft+ p50": eng.ttftMs.p50,
        "ttft+ p99": eng.ttftMs.p99,
        "fanout p50": eng.fanoutMs.p50,
        "fanout p99": eng.fanoutMs.p99,
        "bare p50": bare.p50,
        "bare p99": bare.p99,
        "p50 ratio": Math.round((eng.fanoutMs.p50 / bare.p50) * 100) / 100,
        "p99 ratio": Math.round((eng.fanoutMs.p99 / bare.p99) * 100) / 100,
        lost: eng.batches * n - eng.deliveries,
      });
    }
    printTable(
      "AI streaming: Engunity (2 nodes + worker, Redis, Postgres) vs bare Socket.IO + redis adapter (ms)",
      rows,
    );
    const file = writeResult("aiFanout", {
      description:
        "One AI answer streamed to N viewers split over two realtime nodes. ttft+ = first ai:delta at a client minus the loopback provider's first token write (includes up to one AI_BATCH_MS window); fanout = arrival of a batch minus the provider's write of its last token; bare = send-to-arrival through bare Socket.IO + redis adapter. One clock.",
      params: { sizes: SIZES, tokens: TOKENS, tokenMs: TOKEN_MS, batchMs: 30 },
      summary: rows,
      runs,
    });
    console.log(`\nwrote ${file}`);
  } finally {
    for (const s of started.reverse()) await s.stop().catch(() => {});
    await db.close().catch(() => {});
    await stack.close().catch(() => {});
    await fake.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
