/**
 * Idle sockets on one node: N (5,000) authenticated Socket.IO clients connect, 100 at a
 * time, to one Engunity realtime node and — alternated A B A B — to one bare Socket.IO
 * + redis-adapter node. Measures connects per second (first connect to the last
 * `connect`) and the node's heap per idle socket (heap after a forced GC with N held,
 * minus before, ÷ N) and its CPU per connect (user + system from the first connect to
 * that reading, ÷ N), read through bench/lib/probe.mjs loaded into both servers. The
 * same N users connect in every run: the first run's handshakes miss the node's
 * login-session cache (and warm its JIT), later ones hit it.
 *
 *   npm run bench -- connections [--quick] [--sockets=5000] [--runs=3] [--snapshots=<dir>]
 *
 * `--snapshots=<dir>`: each probe also writes a heap snapshot of both servers there (see
 * bench/lib/heapSummary.mjs to diff held against before). BENCH_NODE_OPTIONS (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`) reaches both servers, as in the other benches.
 */
import type { Socket } from "socket.io-client";
import { startProcessNode } from "../test/support/processNode";
import { REDIS_URL } from "../test/support/services";
import { connectSocket, createBenchUsers, inBatches, parseArgs, runBench } from "./lib/fixtures";
import { probe, probeEnv } from "./lib/probe";
import { reportRows, type SuiteRow, writeResult } from "./lib/results";
import { alternate } from "./lib/stats";

const args = parseArgs();
const QUICK = args.quick === "true";
const SOCKETS = Number(args.sockets ?? (QUICK ? 1000 : 5000));
const RUNS = Number(args.runs ?? (QUICK ? 1 : 3));
const SNAPSHOTS = args.snapshots;
// Both servers get the same node flags and probe, so the floor is profiled alike.
const nodeEnv = {
  ...probeEnv({ gc: true }),
  ...(SNAPSHOTS ? { BENCH_PROBE_SNAPSHOT: SNAPSHOTS } : {}),
  ...(process.env.BENCH_NODE_OPTIONS ? { EXEC_ARGV: process.env.BENCH_NODE_OPTIONS } : {}),
};
// Writing a snapshot of a few hundred MB of heap takes a while on a busy box.
const PROBE_TIMEOUT_MS = SNAPSHOTS ? 120_000 : 10_000;

runBench(async ({ stack, db, started }) => {
  const eng = await startProcessNode({ ...stack.env, ...nodeEnv });
  started.push(eng);
  const bare = await startProcessNode(
    { REDIS_URL, BARE_KEY: `${stack.env.REDIS_PREFIX}:bare`, ...nodeEnv },
    { script: "bench/lib/bareServer.ts" },
  );
  started.push(bare);
  const { tokens } = await createBenchUsers(db, SOCKETS, "idle", stack.env.SECRET_KEY!);

  const hold = async (node: typeof eng, auth: boolean) => {
    const before = await probe(node, PROBE_TIMEOUT_MS);
    const t0 = performance.now();
    const sockets: Socket[] = await inBatches(tokens, 100, (token) =>
      connectSocket(node.url, auth ? { token } : {}),
    );
    const connectMs = performance.now() - t0;
    // Let handshake buffers and timers settle before reading the heap.
    await new Promise((r) => setTimeout(r, 1000));
    const held = await probe(node, PROBE_TIMEOUT_MS);
    for (const s of sockets) s.close();
    await new Promise((r) => setTimeout(r, 1500));
    const result = {
      connectsPerSecond: SOCKETS / (connectMs / 1000),
      heapPerSocketKB: (held.heapUsed - before.heapUsed) / SOCKETS / 1024,
      // The server's CPU (user + system) from the first connect until the heap reading.
      cpuPerConnectMs: (held.cpuMs - before.cpuMs) / SOCKETS,
      rssMB: held.rss / 2 ** 20,
    };
    console.log(
      `${auth ? "engunity" : "bare"}: ${Math.round(result.connectsPerSecond)} connects/s, ${result.heapPerSocketKB.toFixed(1)} kB heap per socket, ${result.cpuPerConnectMs.toFixed(2)} ms CPU per connect`,
    );
    if (held.snapshot) console.log(`  snapshots: ${before.snapshot} ${held.snapshot}`);
    return result;
  };

  const r = await alternate(
    RUNS,
    () => hold(bare, false),
    () => hold(eng, true),
  );
  const floorName = "bare Socket.IO + redis adapter, one node";
  const rows: SuiteRow[] = [
    {
      measure: `heap per idle socket at ${SOCKETS.toLocaleString("en-US")}`,
      unit: "kB",
      engunity: r.engunity.map((x) => x.heapPerSocketKB),
      floor: r.floor.map((x) => x.heapPerSocketKB),
      floorName,
      goal: { of: "ratio", op: "<=", value: 1.2 },
    },
    {
      measure: "connects per second",
      unit: "/s",
      engunity: r.engunity.map((x) => x.connectsPerSecond),
      floor: r.floor.map((x) => x.connectsPerSecond),
      floorName,
      goal: { of: "ratio", op: ">=", value: 0.7 },
    },
    {
      measure: "node CPU per connect",
      unit: "ms",
      engunity: r.engunity.map((x) => x.cpuPerConnectMs),
      floor: r.floor.map((x) => x.cpuPerConnectMs),
      floorName,
    },
  ];
  reportRows("connections", rows);
  const file = writeResult("connections", {
    description:
      "N idle authenticated sockets on one node, 100 connects at a time; heap after forced GC, per socket; alternated with bare Socket.IO",
    params: { sockets: SOCKETS, runs: RUNS },
    rows,
    runs: r,
  });
  console.log(`\nwrote ${file}`);
});
