/**
 * Yjs update propagation across two realtime nodes (Postgres, Redis pub/sub), against
 * the reference y-websocket server (`y-websocket/bin/utils` setupWSConnection, one
 * process, no persistence), with the same stock `WebsocketProvider` clients:
 *
 * - N editors (2, 10, 50) on one doc; together they make --rate inserts a second into
 *   the draft for --seconds; every other editor times each insert from the moment it
 *   was made (one process, one clock). Engunity is measured twice per run: as deployed,
 *   every editor on one node (nginx hashes `/yjs/<room>` to a node), the goal's row;
 *   and split over both nodes (a doc's connections while the nodes change), where
 *   every other delivery crosses Redis, against the relay floor as well.
 * - Memory per open doc: heap after a forced GC with 2D docs open vs D (the first D
 *   are a warm-up), for Engunity's doc registry and for the reference server's WSSharedDoc.
 * - Server CPU per update: user + system time of the side's server processes (both
 *   Engunity nodes, both relay nodes, the one reference process) from the last editor
 *   synced until every insert arrived, less their idle CPU (the lower of its rates over
 *   a second before and a second after), ÷ inserts (bench/lib/probe.mjs in each). Steadier than latency on a busy
 *   box. Engunity's includes storing the updates (its share of the SQL; Postgres' own
 *   CPU is not counted).
 *
 * The reference and Engunity alternate A B A B, --runs times per editor count.
 *
 *   npm run bench -- yjs   or   npx tsx bench/yjsPropagation.bench.ts [--quick] [--editors=2,10,50] [--seconds=5] [--rate=20] [--docs=300] [--runs=3]
 *
 * With YJS_BENCH_ROLE=reference this file is the reference server itself (a child
 * process, so it gets a core of its own like the Engunity nodes do).
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createDb } from "@engunity/db";
import { Redis } from "ioredis";
import WebSocket, { WebSocketServer } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { apiClient } from "../test/support/api";
import { createTestStack } from "../test/support/node";
import { type ChildHandle, type ProcessNode, startProcessNode } from "../test/support/processNode";
import { ensureServices, REDIS_URL } from "../test/support/services";
import { waitFor } from "../test/support/sockets";
import { createBenchUsers, parseArgs, startEngunityPair } from "./lib/fixtures";
import { probe, probeEnv } from "./lib/probe";
import { reportRows, type SuiteRow, writeResult } from "./lib/results";
import { summarize } from "./lib/stats";

const require = createRequire(import.meta.url);

type ReferenceUtils = {
  setupWSConnection(conn: WebSocket, req: unknown, opts?: { docName?: string }): void;
  getYDoc(name: string): Y.Doc;
  docs: Map<string, Y.Doc>;
};

function runReferenceServer(): void {
  const utils = require("y-websocket/bin/utils") as ReferenceUtils;
  const relay = process.env.YJS_BENCH_RELAY
    ? relayOverRedis(utils, process.env.YJS_BENCH_RELAY)
    : null;
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer();
  server.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const docName = (req.url ?? "/").slice(1).split("?")[0]!;
      utils.setupWSConnection(ws, req, { docName });
      relay?.(docName);
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ msg: "reference listening", url: `http://127.0.0.1:${port}` }));
  });
  process.on("SIGTERM", () => process.exit(0));
}

/**
 * The floor of a two-node path: the reference server's docs bridged by bare Redis
 * pub/sub, one channel per doc, each message the sender's id and the Yjs update. What
 * a doc's 'update' event emits is published (after the reference's own broadcast, as
 * it registers first); what comes from Redis is applied with an origin never re-sent.
 * No auth, no persistence, no checks: the least a cross-node hop can cost.
 */
function relayOverRedis(utils: ReferenceUtils, channelPrefix: string): (docName: string) => void {
  // The CommonJS Yjs the reference's docs are made of (see memoryPerDoc).
  const Ycjs = require("yjs") as typeof Y;
  const pub = new Redis(REDIS_URL);
  const sub = new Redis(REDIS_URL);
  const FROM_RELAY = Symbol("relay");
  const me = Buffer.from(randomUUID().slice(0, 8));
  sub.on("messageBuffer", (channel: Buffer, data: Buffer) => {
    if (data.subarray(0, me.length).equals(me)) return;
    const doc = utils.docs.get(channel.toString().slice(channelPrefix.length));
    if (doc) Ycjs.applyUpdate(doc, data.subarray(me.length), FROM_RELAY);
  });
  const bridged = new Set<string>();
  return (docName) => {
    if (bridged.has(docName)) return;
    bridged.add(docName);
    const channel = channelPrefix + docName;
    void sub.subscribe(channel);
    utils.docs.get(docName)!.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin !== FROM_RELAY) void pub.publish(channel, Buffer.concat([me, update]));
    });
  };
}

const args = parseArgs();
const EDITORS = (args.editors ?? "2,10,50").split(",").map(Number);
const QUICK = args.quick === "true";
const SECONDS = Number(args.seconds ?? (QUICK ? 2 : 5));
const RATE = Number(args.rate ?? 20);
const DOCS = Number(args.docs ?? (QUICK ? 100 : 300));
const RUNS = Number(args.runs ?? (QUICK ? 1 : 3));
const DRAIN_TIMEOUT_MS = 15_000;

interface Run {
  target: "engunity" | "reference" | "relay";
  editors: number;
  updates: number;
  expected: number;
  delivered: number;
  latencyMs: ReturnType<typeof summarize>;
  /** CPU time of the side's server processes per insert, in µs (see the header). */
  cpuPerUpdateUs: number;
  /** Engunity only: deliveries to an editor on the sender's node, and across the two nodes (Redis). */
  sameNodeMs?: ReturnType<typeof summarize>;
  crossNodeMs?: ReturnType<typeof summarize>;
}

/** One workload: `clients` on one doc, inserts round-robin at RATE for SECONDS. */
async function measure(
  target: Run["target"],
  connect: (i: number, doc: Y.Doc) => Promise<WebsocketProvider>,
  n: number,
  /** The side's server processes, probed for their CPU time. */
  servers: ChildHandle[],
  /** Which node editor i is on, when there are several. */
  nodeOf?: (i: number) => number,
): Promise<Run> {
  const docs = Array.from({ length: n }, () => new Y.Doc());
  const providers: WebsocketProvider[] = [];
  for (let i = 0; i < n; i++) providers.push(await connect(i, docs[i]!));
  await waitFor(() => providers.every((p) => p.synced), `${target} n=${n} synced`, 20_000);

  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const sameNode: number[] = [];
  const crossNode: number[] = [];
  const marker = /⟦(\d+)⟧/g;
  for (const [i, doc] of docs.entries()) {
    doc.getText("draft").observe((event) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const d of event.delta) {
        if (typeof d.insert !== "string") continue;
        for (const m of d.insert.matchAll(marker)) {
          const k = Number(m[1]);
          const t = sentAt.get(k);
          if (t === undefined) continue;
          latencies.push(now - t);
          if (nodeOf) (nodeOf(k % n) === nodeOf(i) ? sameNode : crossNode).push(now - t);
        }
      }
    });
  }

  const updates = Math.max(1, Math.round(SECONDS * RATE));
  // The servers' idle CPU (timers, the probe's own event-loop monitor), taken off the
  // insert window's: the lower of its rates over a second before and a second after
  // (a node just started still compiles and collects for a while).
  const cpuOf = async () => {
    const samples = await Promise.all(servers.map((s) => probe(s)));
    return { at: performance.now(), ms: samples.reduce((sum, x) => sum + x.cpuMs, 0) };
  };
  const idleFrom = await cpuOf();
  await new Promise((r) => setTimeout(r, 1000));
  const cpuBefore = await cpuOf();
  const t0 = performance.now() + 200;
  for (let k = 0; k < updates; k++) {
    const at = t0 + (k * 1000) / RATE;
    const wait = at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const text = docs[k % n]!.getText("draft");
    sentAt.set(k, performance.now());
    text.insert(text.length, `⟦${k}⟧ `);
  }
  const expected = updates * (n - 1);
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (latencies.length < expected && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpuAfter = await cpuOf();
  await new Promise((r) => setTimeout(r, 300)); // the last stores
  const idleAgain = await cpuOf();
  await new Promise((r) => setTimeout(r, 1000));
  const idleTo = await cpuOf();
  const rate = (a: typeof idleFrom, b: typeof idleFrom) => (b.ms - a.ms) / (b.at - a.at);
  const idlePerMs = Math.min(rate(idleFrom, cpuBefore), rate(idleAgain, idleTo));
  const cpuMs = cpuAfter.ms - cpuBefore.ms - idlePerMs * (cpuAfter.at - cpuBefore.at);
  for (const p of providers) p.destroy();
  for (const d of docs) d.destroy();
  const run: Run = {
    target,
    editors: n,
    updates,
    expected,
    delivered: latencies.length,
    latencyMs: summarize(latencies),
    cpuPerUpdateUs: Math.round((cpuMs * 1000) / updates),
    ...(nodeOf ? { sameNodeMs: summarize(sameNode), crossNodeMs: summarize(crossNode) } : {}),
  };
  const split = nodeOf
    ? ` (same node p50 ${run.sameNodeMs!.p50} ms ×${sameNode.length}, across nodes p50 ${run.crossNodeMs!.p50} ms ×${crossNode.length})`
    : "";
  console.log(
    `${target} editors=${n}: delivered ${run.delivered}/${expected}, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, server CPU ${run.cpuPerUpdateUs} µs/update${split}`,
  );
  return run;
}

const DRAFT = "Let us ask the AI to compare the three vendors on price, support and the API. "
  .repeat(3)
  .slice(0, 200);

/** Heap in use after a forced GC (V8 hands out `gc` at run time). */
function heapAfterGc(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The reference server's heap bytes per open doc (run as YJS_BENCH_ROLE=reference-memory). */
function referenceMemoryPerDoc(): void {
  const docs = Number(process.env.YJS_BENCH_DOCS ?? 300);
  const utils = require("y-websocket/bin/utils") as ReferenceUtils;
  const open = (from: number): void => {
    for (let i = from; i < from + docs; i++) {
      const doc = utils.getYDoc(`mem-${i}`);
      doc.getText("title").insert(0, `Doc ${i}`);
      doc.getText("draft").insert(0, DRAFT);
    }
  };
  open(0); // warm-up: see memoryPerDoc
  const before = heapAfterGc();
  open(docs);
  console.log(String((heapAfterGc() - before) / docs));
}

/** Heap bytes per open doc: D docs with a title and a 200-character draft, after GC. */
async function memoryPerDoc(): Promise<{ engunityBytes: number; referenceBytes: number }> {
  // In a process of its own: the reference loads Yjs's CommonJS build, a second copy
  // of Yjs that must not share a heap with the measured ESM one.
  const child = spawnSync(process.execPath, ["--import", "tsx", import.meta.filename], {
    env: { ...process.env, YJS_BENCH_ROLE: "reference-memory", YJS_BENCH_DOCS: String(DOCS) },
    encoding: "utf8",
  });
  const referenceBytes = Number(child.stdout.trim().split("\n").at(-1));
  if (!Number.isFinite(referenceBytes)) throw new Error(`reference memory: ${child.stderr}`);

  const stack = await createTestStack("postgres", { redis: true });
  try {
    const node = await stack.startNode();
    const db = node.ctx.db;
    const owner = await db.models.User.create({
      username: "memowner",
      email: "mem@bench.test",
      hashedPassword: "unusable",
      fullName: "Mem",
    });
    const sessions = await db.models.ChatSession.bulkCreate(
      Array.from({ length: 2 * DOCS }, (_, i) => ({
        userId: owner.id,
        title: `Doc ${i}`,
        settings: {},
      })),
    );
    const held: Awaited<ReturnType<typeof node.yjs.registry.acquire>>[] = [];
    const open = async (batch: typeof sessions): Promise<void> => {
      for (const s of batch) {
        const shared = await node.yjs.registry.acquire(`session:${s.id}`);
        shared.replaceText("draft", DRAFT);
        held.push(shared);
      }
      // Idle docs, as they are once quiet: the updates stored and the title mirror's
      // debounced write (the seeded title schedules one) done, not still in flight.
      for (const shared of held) {
        await shared.persister.flush();
        await shared.title.flush();
      }
    };
    // Both sides open D docs first and measure the next D: what the first docs cost
    // once (compiled and optimised code, feedback, Sequelize's and pg's first-query
    // state, Yjs's lazily made structures) is not per-doc memory, and it weighed far
    // more on this side, whose load path runs much more code than a bare `getYDoc`.
    await open(sessions.slice(0, DOCS));
    const before = heapAfterGc();
    await open(sessions.slice(DOCS));
    const engunityBytes = (heapAfterGc() - before) / DOCS;
    for (const shared of held) node.yjs.registry.release(shared);
    await waitFor(() => node.yjs.registry.size === 0, "docs unloaded", 60_000);
    return { engunityBytes, referenceBytes };
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  // Each WebsocketProvider adds a process "exit" listener; 50 editors are not a leak.
  process.setMaxListeners(0);
  const loadBefore = loadavg();
  await ensureServices();
  const stack = await createTestStack("postgres", { redis: true });
  const started: { stop(): Promise<void> }[] = [];
  const db = createDb({ databaseUrl: stack.env.DATABASE_URL, poolMax: 4 });
  try {
    console.log("starting two Engunity nodes and the reference y-websocket server…");
    const [engA, engB] = await startEngunityPair(stack.env, started, probeEnv());
    const ref = await startProcessNode(
      { YJS_BENCH_ROLE: "reference", ...probeEnv() },
      { script: "bench/yjsPropagation.bench.ts" },
    );
    started.push(ref);
    const relayEnv = {
      YJS_BENCH_ROLE: "reference",
      YJS_BENCH_RELAY: `${stack.env.REDIS_PREFIX}:relay:`,
      ...probeEnv(),
    };
    const relays: ProcessNode[] = [];
    for (let i = 0; i < 2; i++) {
      const node = await startProcessNode(relayEnv, { script: "bench/yjsPropagation.bench.ts" });
      started.push(node);
      relays.push(node);
    }
    const api = apiClient(engA.url);

    const { users, tokens } = await createBenchUsers(
      db,
      Math.max(...EDITORS),
      "yjsbench",
      stack.env.SECRET_KEY!,
    );
    const wsUrl = (url: string) => url.replace(/^http/, "ws");
    const polyfill = WebSocket as unknown as typeof globalThis.WebSocket;

    const runs: Run[] = [];
    const reference = (n: number) =>
      measure(
        "reference",
        async (_i, doc) =>
          new WebsocketProvider(wsUrl(ref.url), `bench-${n}-${runs.length}`, doc, {
            WebSocketPolyfill: polyfill,
            disableBc: true,
          }),
        n,
        [ref],
      );
    // Editors alternate between the two nodes.
    const nodeOf = (i: number) => i % 2;
    const relay = (n: number) =>
      measure(
        "relay",
        async (i, doc) =>
          new WebsocketProvider(wsUrl(relays[nodeOf(i)]!.url), `bench-${n}-${runs.length}`, doc, {
            WebSocketPolyfill: polyfill,
            disableBc: true,
          }),
        n,
        relays,
        nodeOf,
      );
    const engunity = async (n: number, placement: "deployed" | "split") => {
      const session = await db.models.ChatSession.create({
        userId: users[0]!.id,
        title: `bench ${n}`,
        settings: {},
      });
      await db.models.SessionMember.bulkCreate(
        users.slice(0, n).map((u, i) => ({
          sessionId: session.id,
          userId: u.id,
          role: i === 0 ? "owner" : "editor",
        })),
      );
      return measure(
        "engunity",
        async (i, doc) => {
          const res = await api.post(`/chat/${session.id}/yjs-ticket`, undefined, tokens[i]);
          if (res.status !== 200) throw new Error(`ticket: ${res.status} ${res.text}`);
          const node = placement === "split" && nodeOf(i) === 1 ? engB : engA;
          return new WebsocketProvider(`${wsUrl(node.url)}/yjs`, `session:${session.id}`, doc, {
            WebSocketPolyfill: polyfill,
            disableBc: true,
            params: { ticket: res.body.ticket },
          });
        },
        n,
        [engA, engB],
        placement === "split" ? nodeOf : undefined,
      );
    };
    const byEditors = new Map<
      number,
      { floor: Run[]; relay: Run[]; engunity: Run[]; deployed: Run[] }
    >();
    for (const n of EDITORS) {
      const r = {
        floor: [] as Run[],
        relay: [] as Run[],
        engunity: [] as Run[],
        deployed: [] as Run[],
      };
      // A B C D A B C D, as `alternate` does for two.
      for (let run = 0; run < RUNS; run++) {
        r.floor.push(await reference(n));
        r.relay.push(await relay(n));
        r.engunity.push(await engunity(n, "split"));
        r.deployed.push(await engunity(n, "deployed"));
      }
      byEditors.set(n, r);
      runs.push(...r.floor, ...r.relay, ...r.engunity, ...r.deployed);
    }

    console.log(`measuring memory per open doc (${DOCS} docs)…`);
    const memory = await memoryPerDoc();

    const floorName = "reference y-websocket server (1 process, in memory)";
    const relayName = "two reference servers bridged by bare Redis pub/sub";
    const rows: SuiteRow[] = [];
    for (const [n, r] of byEditors) {
      rows.push(
        {
          measure: `Yjs propagation, ${n} editors, as deployed (one node per doc), p50`,
          unit: "ms",
          engunity: r.deployed.map((x) => x.latencyMs.p50),
          floor: r.floor.map((x) => x.latencyMs.p50),
          floorName,
          goal: { of: "ratio", op: "<=", value: 1.2 },
        },
        {
          measure: `Yjs propagation, ${n} editors, as deployed (one node per doc), p99`,
          unit: "ms",
          engunity: r.deployed.map((x) => x.latencyMs.p99),
          floor: r.floor.map((x) => x.latencyMs.p99),
          floorName,
        },
        {
          measure: `Yjs propagation, ${n} editors, as deployed (one node per doc), updates lost`,
          unit: "count",
          engunity: r.deployed.map((x) => x.expected - x.delivered),
          floor: r.floor.map((x) => x.expected - x.delivered),
          floorName,
          goal: { of: "value", op: "<=", value: 0 },
        },
        {
          measure: `Yjs propagation, ${n} editors, split over 2 nodes, p50`,
          unit: "ms",
          engunity: r.engunity.map((x) => x.latencyMs.p50),
          floor: r.floor.map((x) => x.latencyMs.p50),
          floorName,
        },
        {
          measure: `Yjs propagation, ${n} editors, split over 2 nodes, p99`,
          unit: "ms",
          engunity: r.engunity.map((x) => x.latencyMs.p99),
          floor: r.floor.map((x) => x.latencyMs.p99),
          floorName,
        },
        {
          measure: `Yjs propagation, ${n} editors, split over 2 nodes, server CPU per update`,
          unit: "µs",
          engunity: r.engunity.map((x) => x.cpuPerUpdateUs),
          floor: r.relay.map((x) => x.cpuPerUpdateUs),
          floorName: relayName,
        },
        {
          measure: `Yjs propagation, ${n} editors, split over 2 nodes, updates lost`,
          unit: "count",
          engunity: r.engunity.map((x) => x.expected - x.delivered),
          floor: r.floor.map((x) => x.expected - x.delivered),
          floorName,
          goal: { of: "value", op: "<=", value: 0 },
        },
      );
      // The same deliveries split by path, each against the relay floor's same path: an
      // editor on the sender's node, and one on the other node (one Redis hop).
      const split = (what: string, pick: (x: Run) => Run["latencyMs"] | undefined) => {
        const engunity = r.engunity.map((x) => pick(x)?.p50 ?? Number.NaN);
        if (engunity.some(Number.isNaN)) return; // 2 editors: none share a node
        rows.push({
          measure: `Yjs propagation, ${n} editors, ${what}, p50`,
          unit: "ms",
          engunity,
          floor: r.relay.map((x) => pick(x)?.p50 ?? Number.NaN),
          floorName: relayName,
        });
      };
      split("same node", (x) => x.sameNodeMs);
      split("across nodes", (x) => x.crossNodeMs);
    }
    rows.push({
      measure: `heap per open Yjs doc (${DOCS} docs)`,
      unit: "kB",
      engunity: [memory.engunityBytes / 1024],
      floor: [memory.referenceBytes / 1024],
      floorName,
      goal: { of: "ratio", op: "<=", value: 1.5 },
    });
    reportRows("yjsPropagation", rows);
    const file = writeResult("yjsPropagation", {
      description:
        "N stock WebsocketProvider editors on one doc; Engunity as deployed (every editor on one node, as nginx hashes the doc) and split over two realtime nodes (the 'split' rows); RATE inserts/s round-robin for SECONDS; latency is insert-to-arrival at every other editor (one clock). Reference: y-websocket bin/utils setupWSConnection in one process. Memory: heap per open doc after GC, in-process",
      params: { editors: EDITORS, seconds: SECONDS, rate: RATE, docs: DOCS, runs: RUNS },
      // The box is shared: the 1-minute load average before and after says how quiet it was.
      loadAverage: { before: loadBefore[0], after: loadavg()[0] },
      rows,
      runs,
    });
    console.log(`\nwrote ${file}`);
  } finally {
    for (const node of started.reverse()) await node.stop().catch(() => {});
    await db.close().catch(() => {});
    await stack.close().catch(() => {});
  }
}

if (process.env.YJS_BENCH_ROLE === "reference") {
  runReferenceServer();
} else if (process.env.YJS_BENCH_ROLE === "reference-memory") {
  referenceMemoryPerDoc();
  process.exit(0);
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
