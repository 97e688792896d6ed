/**
 * A load test in the Mattermost style, then a soak. Two realtime nodes and one worker
 * (child processes, Postgres, Redis) and a loopback LLM; simulated users in rooms of
 * 20 — per room 12 viewers, 4 senders (a message every 2 s), 1 AI asker (a question
 * every 15 s), 2 Yjs co-editors (an insert a second each) and 1 uploader (a small text
 * document every 30 s). The load ramps in steps (users added, --step-seconds each)
 * until a step breaks the pass criteria of QUALITY.md:
 *
 *   errors + timeouts < 0.025 % of operations, p99 < 2 s for every kind of operation,
 *   nothing lost (every acked message reached every member of its room and is in the
 *   database; every question got its complete answer, at the asker and in the database;
 *   every Yjs insert reached the other editor).
 *
 * The largest passing step is reported; then a soak at 80 % of it for --minutes (10)
 * samples every process's RSS, heap and event-loop lag (bench/lib/probe.mjs) and Redis's
 * memory, checks the same criteria over the whole soak, and plots them to
 * bench/plots/soak.png (and the ramp to bench/plots/ramp.png).
 *
 *   npm run bench -- loadTest [--quick] [--steps=40,80,160,320,640,1280] [--step-seconds=30] [--minutes=10]
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { createDb } from "@engunity/db";
import { Redis } from "ioredis";
import type { Socket } from "socket.io-client";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { apiClient } from "../test/support/api";
import { uploadFile } from "../test/support/documents";
import { startFakeLlmServer } from "../test/support/fakeLlmServer";
import { createTestStack } from "../test/support/node";
import { ensureServices, REDIS_URL } from "../test/support/services";
import { spawnWorkerProcess } from "../test/support/worker";
import { connectSocket, createBenchUsers, parseArgs, startEngunityPair } from "./lib/fixtures";
import { plotToPng, type Series } from "./lib/plot";
import { type ProbeSample, probe, probeEnv } from "./lib/probe";
import { reportRows, type SuiteRow, writeResult } from "./lib/results";
import { createBenchSession } from "./lib/rooms";
import { summarize } from "./lib/stats";

const args = parseArgs();
const QUICK = args.quick === "true";
const STEPS = (args.steps ?? (QUICK ? "20,40" : "40,80,160,320,640,1280")).split(",").map(Number);
const STEP_SECONDS = Number(args["step-seconds"] ?? (QUICK ? 6 : 30));
const MINUTES = Number(args.minutes ?? (QUICK ? 0.3 : 10));
const SAMPLE_MS = MINUTES <= 2 ? 2000 : 5000;
const ROOM = 20;
const OP_TIMEOUT_MS = 10_000;
const PLOTS = resolve(import.meta.dirname, "plots");
process.setMaxListeners(0);

type Role = "viewer" | "sender" | "asker" | "editor" | "uploader";
const roleOf = (i: number): Role =>
  i === 0 ? "asker" : i <= 4 ? "sender" : i <= 6 ? "editor" : i === 7 ? "uploader" : "viewer";

type OpKind = "message ack" | "message delivery" | "AI first token" | "Yjs propagation" | "upload";

/** Counters of one measured window (a ramp step or the soak). */
class Window {
  ops = 0;
  errors = 0;
  latencies = new Map<OpKind, number[]>();
  acked = new Map<string, { room: number; at: number }>();
  delivered = new Map<string, number>();
  asked = 0;
  answered = 0;
  yjsSent = 0;
  yjsSeen = 0;
  clientIds: string[] = [];
  sessions = new Set<string>();
  record(kind: OpKind, ms: number) {
    const list = this.latencies.get(kind) ?? [];
    if (!list.length) this.latencies.set(kind, list);
    list.push(ms);
  }
}

interface Room {
  index: number;
  sessionId: string;
  sockets: Socket[];
  providers: WebsocketProvider[];
  docs: Y.Doc[];
  timers: NodeJS.Timeout[];
}

const closeRoom = (room: Room) => {
  for (const t of room.timers) clearInterval(t);
  for (const p of room.providers) p.destroy();
  for (const d of room.docs) d.destroy();
  for (const s of room.sockets) s.close();
};

async function main(): Promise<void> {
  await ensureServices();
  mkdirSync(PLOTS, { recursive: true });
  const fake = await startFakeLlmServer({
    tokens: Array.from({ length: 20 }, (_, i) => `w${i} `),
    tokenIntervalMs: 10,
  });
  const stack = await createTestStack("postgres", { redis: true, worker: false });
  const env = {
    ...stack.env,
    ...probeEnv(),
    GROQ_API_KEY: "gsk_bench",
    GROQ_BASE_URL: fake.groqBaseUrl,
    AI_PROVIDER_ORDER: "groq,offline",
    AI_RATE_PER_MINUTE: "100000",
    AI_DAILY_TOKEN_QUOTA: "1000000000",
  };
  const started: { stop(): Promise<void> }[] = [];
  const db = createDb({ databaseUrl: stack.env.DATABASE_URL, poolMax: 4 });
  const redis = new Redis(REDIS_URL);
  const rooms: Room[] = [];
  let win = new Window();
  /** Which window sent a message (clientId) or a Yjs insert (its marker). */
  const sentIn = new Map<string, Window>();
  try {
    const nodes = await startEngunityPair(env, started);
    const worker = await spawnWorkerProcess({ ...env, LOG_LEVEL: "info" });
    started.push(worker);
    const processes = { "node A": nodes[0], "node B": nodes[1], worker };
    const maxUsers = Math.max(...STEPS);
    const { users, tokens } = await createBenchUsers(db, maxUsers, "load", stack.env.SECRET_KEY!);
    const api = apiClient(nodes[0].url);
    const polyfill = WebSocket as unknown as typeof globalThis.WebSocket;

    /** A timed operation: counted, its latency kept, an error or a timeout counted against the run. */
    const op = async (kind: OpKind, fn: () => Promise<boolean>) => {
      const w = win;
      w.ops += 1;
      const t0 = performance.now();
      try {
        const ok = await Promise.race([
          fn(),
          new Promise<boolean>((r) => setTimeout(() => r(false), OP_TIMEOUT_MS)),
        ]);
        if (ok) w.record(kind, performance.now() - t0);
        else w.errors += 1;
      } catch {
        w.errors += 1;
      }
    };

    /** Room `index` of users slot·20 … slot·20+19 (the soak reuses the ramp's users). */
    const openRoom = async (index: number, slot = index): Promise<Room> => {
      const members = users.slice(slot * ROOM, (slot + 1) * ROOM);
      const memberTokens = tokens.slice(slot * ROOM, (slot + 1) * ROOM);
      const sessionId = await createBenchSession(db, members, `load room ${index}`);
      const room: Room = { index, sessionId, sockets: [], providers: [], docs: [], timers: [] };
      for (let i = 0; i < members.length; i++) {
        const socket = await connectSocket(nodes[i % 2]!.url, { token: memberTokens[i]! });
        const ack = await socket.timeout(30_000).emitWithAck("session:join", { sessionId });
        if (!ack?.ok) throw new Error(`join: ${JSON.stringify(ack).slice(0, 200)}`);
        socket.on("message:new", (e: { message: { content: string } }) => {
          // The content names the send (`load|sentAt|clientId`), whatever the frame carries.
          const [tag, sentAtText, id] = e.message.content.split("|");
          if (tag !== "load" || !id) return;
          // Credited to the window that sent it, even when it lands after that window closed.
          const w = sentIn.get(id) ?? win;
          w.delivered.set(id, (w.delivered.get(id) ?? 0) + 1);
          const sentAt = Number(sentAtText);
          if (Number.isFinite(sentAt)) w.record("message delivery", performance.now() - sentAt);
        });
        room.sockets.push(socket);
      }
      // Two co-editors on the session's draft, each on another node.
      for (let e = 0; e < 2; e++) {
        const i = 5 + e;
        const res = await api.post(`/chat/${sessionId}/yjs-ticket`, undefined, memberTokens[i]);
        if (res.status !== 200) throw new Error(`ticket: ${res.status}`);
        const doc = new Y.Doc();
        const provider = new WebsocketProvider(
          `${nodes[i % 2]!.url.replace(/^http/, "ws")}/yjs`,
          `session:${sessionId}`,
          doc,
          { WebSocketPolyfill: polyfill, disableBc: true, params: { ticket: res.body.ticket } },
        );
        doc.getText("draft").observe((event) => {
          if (event.transaction.local) return;
          for (const d of event.delta) {
            if (typeof d.insert !== "string") continue;
            for (const m of d.insert.matchAll(/⟦(\d+(?:\.\d+)?)⟧/g)) {
              const w = sentIn.get(m[1]!) ?? win;
              w.yjsSeen += 1;
              w.record("Yjs propagation", performance.now() - Number(m[1]));
            }
          }
        });
        room.providers.push(provider);
        room.docs.push(doc);
      }
      const every = (ms: number, fn: () => void) => {
        const start = setTimeout(() => room.timers.push(setInterval(fn, ms)), Math.random() * ms);
        room.timers.push(start);
      };
      members.forEach((_, i) => {
        const socket = room.sockets[i]!;
        const role = roleOf(i);
        let k = 0;
        if (role === "sender")
          every(2000, () => {
            const clientId = `ld-${index}-${i}-${k++}`;
            const w = win;
            sentIn.set(clientId, w);
            w.clientIds.push(clientId);
            w.sessions.add(sessionId);
            void op("message ack", async () => {
              const r = await socket.timeout(OP_TIMEOUT_MS).emitWithAck("message:send", {
                sessionId,
                content: `load|${performance.now().toFixed(3)}|${clientId}`,
                clientId,
                ai: false,
              });
              if (r?.ok) w.acked.set(clientId, { room: index, at: performance.now() });
              return Boolean(r?.ok);
            });
          });
        if (role === "asker")
          every(15_000, () => {
            const w = win;
            w.asked += 1;
            w.sessions.add(sessionId);
            void op("AI first token", async () => {
              const first = new Promise<void>((r) => socket.once("ai:delta", () => r()));
              const done = new Promise<boolean>((r) =>
                socket.once("ai:done", (e: { message: { status: string } }) =>
                  r(e.message.status === "complete"),
                ),
              );
              const ack = await socket.timeout(OP_TIMEOUT_MS).emitWithAck("message:send", {
                sessionId,
                content: `question ${k++}?`,
                clientId: `ai-${index}-${k}-${Date.now()}`,
                ai: true,
              });
              if (!ack?.ok) return false;
              await first;
              void done.then((ok) => {
                if (ok) w.answered += 1;
              });
              return true;
            });
          });
        if (role === "editor")
          every(1000, () => {
            const text = room.docs[i - 5]!.getText("draft");
            const marker = performance.now().toFixed(3);
            sentIn.set(marker, win);
            win.yjsSent += 1;
            text.insert(text.length, `⟦${marker}⟧ `);
            // Keep the draft short, as a person sending drafts does.
            if (text.length > 2000) text.delete(0, 1000);
          });
        if (role === "uploader")
          every(30_000, () => {
            void op("upload", async () => {
              const res = await uploadFile(
                nodes[0].url,
                memberTokens[i]!,
                sessionId,
                `notes-${k++}.txt`,
                `Load test notes ${k}. `.repeat(50),
                "text/plain",
              );
              return res.status >= 200 && res.status < 300;
            });
          });
      });
      return room;
    };

    /** Settles a window (waits for stragglers) and judges it against the pass criteria. */
    const judge = async (w: Window, users: number, seconds: number) => {
      const deadline = performance.now() + 15_000;
      const complete = () =>
        [...w.acked.keys()].every((id) => (w.delivered.get(id) ?? 0) >= ROOM) &&
        w.answered >= w.asked;
      while (!complete() && performance.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
      let lostDeliveries = 0;
      for (const id of w.acked.keys())
        lostDeliveries += Math.max(0, ROOM - (w.delivered.get(id) ?? 0));
      const acked = [...w.acked.keys()];
      const inDb = acked.length
        ? await db.models.ChatMessage.count({ where: { clientId: acked } })
        : 0;
      const lostInDb = acked.length - inDb;
      const lostAnswers = Math.max(0, w.asked - w.answered);
      const lostYjs = Math.max(0, w.yjsSent - w.yjsSeen);
      const p99 = Object.fromEntries(
        [...w.latencies].map(([k, v]) => [k, summarize(v).p99]),
      ) as Record<OpKind, number>;
      const worstP99 = Math.max(0, ...Object.values(p99));
      const errorRate = w.ops ? w.errors / w.ops : 0;
      const lost = lostDeliveries + lostInDb + lostAnswers + lostYjs;
      const pass = errorRate < 0.00025 && worstP99 < 2000 && lost === 0;
      const result = {
        users,
        seconds,
        ops: w.ops,
        errors: w.errors,
        errorRate,
        p99,
        worstP99,
        lost: { deliveries: lostDeliveries, inDb: lostInDb, answers: lostAnswers, yjs: lostYjs },
        messages: acked.length,
        answers: w.answered,
        pass,
      };
      console.log(
        `${users} users: ${w.ops} ops, ${w.errors} errors, p99 ${JSON.stringify(p99)}, lost ${JSON.stringify(result.lost)} → ${pass ? "PASS" : "FAIL"}`,
      );
      return result;
    };

    const sample = async (t0: number) => {
      const probes: Record<string, ProbeSample> = {};
      for (const [name, handle] of Object.entries(processes)) probes[name] = await probe(handle);
      const info = await redis.info("memory");
      const redisBytes = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
      return { t: (performance.now() - t0) / 1000, probes, redisMB: redisBytes / 2 ** 20 };
    };

    // The ramp: add rooms up to each step's users, measure a fresh window.
    const steps: Awaited<ReturnType<typeof judge>>[] = [];
    const rampSamples: Awaited<ReturnType<typeof sample>>[] = [];
    const t0 = performance.now();
    for (const target of STEPS) {
      const wanted = Math.ceil(target / ROOM);
      while (rooms.length < wanted) rooms.push(await openRoom(rooms.length));
      win = new Window();
      const windowStart = performance.now();
      while (performance.now() - windowStart < STEP_SECONDS * 1000) {
        await new Promise((r) => setTimeout(r, SAMPLE_MS));
        rampSamples.push(await sample(t0));
      }
      const measured = win;
      win = new Window(); // stragglers of the next window are not this one's
      const step = await judge(measured, rooms.length * ROOM, STEP_SECONDS);
      steps.push(step);
      if (!step.pass) break;
    }
    for (const room of rooms.splice(0)) closeRoom(room);
    const passing = steps.filter((s) => s.pass);
    const largest = passing.at(-1)?.users ?? 0;
    const capped = passing.length === STEPS.length;
    console.log(
      `largest passing load: ${largest} users${capped ? " (every step passed: the ramp's top, not the break point)" : ""}`,
    );

    // The soak at 80 % of it.
    const soakUsers = Math.max(ROOM, Math.floor((largest * 0.8) / ROOM) * ROOM);
    await new Promise((r) => setTimeout(r, 2000));
    for (let i = 0; i < soakUsers / ROOM; i++) rooms.push(await openRoom(i + 1000, i));
    win = new Window();
    const soakSamples: Awaited<ReturnType<typeof sample>>[] = [];
    const soakStart = performance.now();
    while (performance.now() - soakStart < MINUTES * 60_000) {
      soakSamples.push(await sample(soakStart));
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
    const soakWindow = win;
    win = new Window();
    const soak = await judge(soakWindow, soakUsers, MINUTES * 60);
    for (const room of rooms.splice(0)) closeRoom(room);

    const series = (samples: typeof soakSamples, pick: (p: ProbeSample) => number): Series[] =>
      Object.keys(processes).map((name) => ({
        name,
        points: samples.map((s) => [s.t, pick(s.probes[name]!)] as [number, number]),
      }));
    const charts = (samples: typeof soakSamples) => [
      { title: "RSS", unit: "MB", series: series(samples, (p) => p.rss / 2 ** 20) },
      { title: "V8 heap used", unit: "MB", series: series(samples, (p) => p.heapUsed / 2 ** 20) },
      { title: "event-loop delay p99", unit: "ms", series: series(samples, (p) => p.lagP99Ms) },
      {
        title: "Redis used memory",
        unit: "MB",
        series: [
          { name: "redis", points: samples.map((s) => [s.t, s.redisMB] as [number, number]) },
        ],
      },
    ];
    const loadNote = "measured on a shared 2-core box";
    await plotToPng(
      resolve(PLOTS, "soak.png"),
      `Soak: ${soakUsers} users for ${MINUTES} min (80 % of ${largest}), ${loadNote}`,
      charts(soakSamples),
    );
    await plotToPng(
      resolve(PLOTS, "ramp.png"),
      `Ramp: ${STEPS.join(" → ")} users, ${STEP_SECONDS} s a step, ${loadNote}`,
      charts(rampSamples),
    );
    // "Flat": the last quarter's median over the second quarter's, per process.
    const drift = (pick: (p: ProbeSample) => number) => {
      const q = Math.floor(soakSamples.length / 4);
      if (q < 1) return Number.NaN;
      const mid = (from: number, to: number, name: string) => {
        const v = soakSamples
          .slice(from, to)
          .map((s) => pick(s.probes[name]!))
          .sort((a, b) => a - b);
        return v[Math.floor(v.length / 2)]!;
      };
      return Math.max(
        ...Object.keys(processes).map((n) => mid(3 * q, soakSamples.length, n) / mid(q, 2 * q, n)),
      );
    };
    const rows: SuiteRow[] = [
      {
        measure: "load test: largest passing load (2 nodes + worker)",
        unit: "users",
        engunity: [largest],
        note: capped ? "every step passed" : undefined,
      },
      {
        measure: `soak, ${soakUsers} users, ${MINUTES} min: errors + timeouts`,
        unit: "%",
        engunity: [soak.errorRate * 100],
        goal: { of: "value", op: "<=", value: 0.025 },
      },
      {
        measure: "soak: worst p99 of any operation",
        unit: "ms",
        engunity: [soak.worstP99],
        goal: { of: "value", op: "<=", value: 2000 },
      },
      {
        measure: "soak: lost (deliveries, DB rows, answers, Yjs)",
        unit: "count",
        engunity: [Object.values(soak.lost).reduce((a, b) => a + b, 0)],
        goal: { of: "value", op: "<=", value: 0 },
      },
      {
        measure: "soak: heap drift (last quarter ÷ second quarter, worst process)",
        unit: "×",
        engunity: [drift((p) => p.heapUsed)],
        goal: { of: "value", op: "<=", value: 1.1 },
      },
      {
        measure: "soak: RSS drift (last quarter ÷ second quarter, worst process)",
        unit: "×",
        engunity: [drift((p) => p.rss)],
        goal: { of: "value", op: "<=", value: 1.1 },
      },
    ];
    reportRows("loadTest", rows);
    const file = writeResult("loadTest", {
      description:
        "Mattermost-style ramp (rooms of 20: 12 viewers, 4 senders, 1 AI asker, 2 Yjs editors, 1 uploader) over two nodes and a worker until errors+timeouts ≥ 0.025 %, a p99 ≥ 2 s or anything lost; then a soak at 80 % of the largest passing load",
      params: { steps: STEPS, stepSeconds: STEP_SECONDS, minutes: MINUTES, room: ROOM },
      largestPassing: largest,
      steps,
      soak,
      rows,
      samples: { ramp: rampSamples, soak: soakSamples },
    });
    console.log(`\nwrote ${file}; plots in ${PLOTS}`);
  } finally {
    for (const room of rooms) closeRoom(room);
    for (const s of started.reverse()) await s.stop().catch(() => {});
    await redis.quit().catch(() => {});
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
