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
 * The floors (the reference server and the relay floor, child processes) are in
 * bench/lib/yjsReference.ts, the memory measure in bench/lib/yjsMemory.ts.
 */

import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { createDb } from "@engunity/db";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { apiClient } from "../test/support/api";
import { createTestStack } from "../test/support/node";
import type { ChildHandle, ProcessNode } from "../test/support/processNode";
import { ensureServices } from "../test/support/services";
import { waitFor } from "../test/support/sockets";
import { createBenchUsers, parseArgs, startEngunityPair } from "./lib/fixtures";
import { probe, probeEnv } from "./lib/probe";
import { reportRows, type SuiteRow, writeResult } from "./lib/results";
import { summarize } from "./lib/stats";
import { memoryPerDoc } from "./lib/yjsMemory";
import { startReferenceServer } from "./lib/yjsReference";

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
    const ref = await startReferenceServer(probeEnv());
    started.push(ref);
    const relays: ProcessNode[] = [];
    for (let i = 0; i < 2; i++) {
      const node = await startReferenceServer(probeEnv(), `${stack.env.REDIS_PREFIX}:relay:`);
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
    const memory = await memoryPerDoc(DOCS);

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

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
