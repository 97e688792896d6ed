/**
 * Idle sockets on one node: N (5,000) authenticated Socket.IO clients connect, 100 at a
 * time, to one Engunity realtime node and — alternated A B A B — to one bare Socket.IO
 * + redis-adapter node. Measures connects per second (first connect to the last
 * `connect`) and the node's heap per idle socket (heap after a forced GC with N held,
 * minus before, ÷ N), read through bench/lib/probe.mjs loaded into both servers.
 *
 *   npm run bench -- connections [--quick] [--sockets=5000] [--runs=3]
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

runBench(async ({ stack, db, started }) => {
  const eng = await startProcessNode({ ...stack.env, ...probeEnv({ gc: true }) });
  started.push(eng);
  const bare = await startProcessNode(
    { REDIS_URL, BARE_KEY: `${stack.env.REDIS_PREFIX}:bare`, ...probeEnv({ gc: true }) },
    { script: "bench/lib/bareServer.ts" },
  );
  started.push(bare);
  const { tokens } = await createBenchUsers(db, SOCKETS, "idle", stack.env.SECRET_KEY!);

  const hold = async (node: typeof eng, auth: boolean) => {
    const before = await probe(node);
    const t0 = performance.now();
    const sockets: Socket[] = await inBatches(tokens, 100, (token) =>
      connectSocket(node.url, auth ? { token } : {}),
    );
    const connectMs = performance.now() - t0;
    // Let handshake buffers and timers settle before reading the heap.
    await new Promise((r) => setTimeout(r, 1000));
    const held = await probe(node);
    for (const s of sockets) s.close();
    await new Promise((r) => setTimeout(r, 1500));
    const result = {
      connectsPerSecond: SOCKETS / (connectMs / 1000),
      heapPerSocketKB: (held.heapUsed - before.heapUsed) / SOCKETS / 1024,
      rssMB: held.rss / 2 ** 20,
    };
    console.log(
      `${auth ? "engunity" : "bare"}: ${Math.round(result.connectsPerSecond)} connects/s, ${result.heapPerSocketKB.toFixed(1)} kB heap per socket`,
    );
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
