/**
 * A join storm: N sockets (500, 1,000, 2,000), split over two realtime nodes, join one
 * room 50 at a time, against the floor (bare Socket.IO + redis adapter, where a join
 * is a room join and an ack). Per run, alternated A B A B:
 *
 * - time: first connect until the room is quiet (the last frame any client received:
 *   acks, presence, member updates — the storm has drained);
 * - bytes per socket: every frame each client received, off the wire, whatever the
 *   events are called (so it reads full presence lists and incremental presence alike),
 *   split into join acks and everything else.
 *
 * The goal is O(N) for the storm: what one socket receives is bounded by a page, so the
 * bytes per socket at the largest N over those at half of it stay near 1.
 *
 * Both sides are warmed first by an unmeasured storm of `--warmup` sockets (50; 0 for
 * none): a node in service has compiled its join path, and without it a one-run quick
 * bench timed mostly Engunity's JIT warm-up (the bare server has next to nothing to warm).
 * Every Engunity storm (the warm-up too) has users and logins of its own, so each run's
 * joiners are new to the nodes, as in the first run.
 *
 *   npm run bench -- joinPresence [--quick] [--sizes=500,1000,2000] [--runs=2] [--warmup=50]
 */
import {
  connectSocket,
  createBenchUsers,
  parseArgs,
  runBench,
  startBarePair,
  startEngunityPair,
} from "./lib/fixtures";
import { probe, probeEnv } from "./lib/probe";
import { median, reportRows, type SuiteRow, writeResult } from "./lib/results";
import { createBenchSession, joinRoom, type Target } from "./lib/rooms";
import { alternate } from "./lib/stats";

const args = parseArgs();
const QUICK = args.quick === "true";
const SIZES = (args.sizes ?? (QUICK ? "100,200" : "500,1000,2000")).split(",").map(Number);
const RUNS = Number(args.runs ?? (QUICK ? 1 : 2));
const WARMUP = Number(args.warmup ?? 50);

interface Storm {
  target: Target;
  n: number;
  settleMs: number;
  joinMs: number;
  settled: boolean;
  bytesPerSocket: number;
  /** CPU time of both server processes from before the first connect until quiet, ÷ n. */
  cpuMsPerJoin: number;
  ackBytesPerSocket: number;
  otherBytesPerSocket: number;
  byEvent: Record<string, number>;
}

runBench(async ({ stack, db, started }) => {
  const [engA, engB] = await startEngunityPair({ ...stack.env, ...probeEnv() }, started);
  const [bareA, bareB] = await startBarePair(stack.env.REDIS_PREFIX!, started, probeEnv());
  const storm = async (target: Target, n: number, run: number): Promise<Storm> => {
    // Users of their own for every Engunity storm: a storm's joiners are new logins to
    // the nodes (no cached login check, no known name), as the first storm's were; reused,
    // later runs skipped two reads per connect that the first one paid.
    const { users, tokens } =
      target === "engunity"
        ? await createBenchUsers(db, n, `join${n}r${run}u`, stack.env.SECRET_KEY!)
        : { users: [], tokens: [] };
    const room =
      target === "engunity"
        ? await createBenchSession(db, users, `join ${n} #${run}`)
        : `join-${n}-${run}`;
    const nodes = target === "engunity" ? [engA, engB] : [bareA, bareB];
    const cpuBefore = await Promise.all(nodes.map((node) => probe(node)));
    const joined = await joinRoom({
      target,
      urls: target === "engunity" ? [engA.url, engB.url] : [bareA.url, bareB.url],
      room,
      tokens,
      n,
      quietMs: QUICK ? 2500 : 6000,
      settleTimeoutMs: 240_000,
      connect: connectSocket,
    });
    const cpuAfter = await Promise.all(nodes.map((node) => probe(node)));
    const cpuMs = cpuAfter.reduce((sum, p, i) => sum + p.cpuMs - cpuBefore[i]!.cpuMs, 0);
    const byEvent: Record<string, number> = {};
    for (const m of joined.meters)
      for (const [event, bytes] of m.byEvent) byEvent[event] = (byEvent[event] ?? 0) + bytes;
    const total = joined.meters.reduce((sum, m) => sum + m.total, 0);
    for (const socket of joined.clients) socket.close();
    const result: Storm = {
      target,
      n,
      settleMs: joined.settleMs,
      joinMs: joined.joinMs,
      settled: joined.settled,
      bytesPerSocket: total / n,
      cpuMsPerJoin: cpuMs / n,
      ackBytesPerSocket: (byEvent.ack ?? 0) / n,
      otherBytesPerSocket: (total - (byEvent.ack ?? 0)) / n,
      byEvent,
    };
    console.log(
      `${target} n=${n}: acked in ${(joined.joinMs / 1000).toFixed(2)} s, quiet after ${(joined.settleMs / 1000).toFixed(2)} s${joined.settled ? "" : " (NOT settled)"}, ${result.cpuMsPerJoin.toFixed(2)} ms server CPU per join, ${Math.round(result.bytesPerSocket)} B/socket (${JSON.stringify(byEvent)})`,
    );
    // The leaves' presence traffic goes to nobody; give the nodes a moment to forget the room.
    await new Promise((r) => setTimeout(r, 1000));
    return result;
  };

  if (WARMUP > 0) {
    console.log(`warm-up: ${WARMUP} sockets on each side (not measured)`);
    await storm("bare", WARMUP, -1);
    await storm("engunity", WARMUP, -1);
  }
  const rows: SuiteRow[] = [];
  const bySize = new Map<number, { floor: Storm[]; engunity: Storm[] }>();
  const floorName = "bare Socket.IO + redis adapter";
  for (const n of SIZES) {
    const r = await alternate(
      RUNS,
      (run) => storm("bare", n, run),
      (run) => storm("engunity", n, run),
    );
    bySize.set(n, r);
    rows.push(
      {
        measure: `joining ${n} sockets into one room, until quiet`,
        unit: "s",
        engunity: r.engunity.map((x) => x.settleMs / 1000),
        floor: r.floor.map((x) => x.settleMs / 1000),
        floorName,
        goal:
          n === 1000 || (QUICK && n === SIZES.at(-1))
            ? { of: "ratio", op: "<=", value: 2 }
            : undefined,
        note: r.engunity.every((x) => x.settled) ? undefined : "not settled within 4 min",
      },
      {
        measure: `join storm of ${n}: server CPU per join (both nodes)`,
        unit: "ms",
        engunity: r.engunity.map((x) => x.cpuMsPerJoin),
        floor: r.floor.map((x) => x.cpuMsPerJoin),
        floorName,
      },
      {
        measure: `join storm of ${n}: join-ack bytes per socket`,
        unit: "B",
        engunity: r.engunity.map((x) => x.ackBytesPerSocket),
        floor: r.floor.map((x) => x.ackBytesPerSocket),
        floorName,
      },
      {
        measure: `join storm of ${n}: presence and other bytes per socket`,
        unit: "B",
        engunity: r.engunity.map((x) => x.otherBytesPerSocket),
        floor: r.floor.map((x) => x.otherBytesPerSocket),
        floorName,
      },
    );
  }
  // O(N) for the storm: per-socket bytes must not grow with N.
  if (SIZES.length >= 2) {
    const big = SIZES.at(-1)!;
    const half = SIZES.at(-2)!;
    const growth = (side: "floor" | "engunity") =>
      bySize
        .get(big)!
        [side].map((x, i) => x.bytesPerSocket / bySize.get(half)![side][i]!.bytesPerSocket);
    rows.push({
      measure: `bytes per socket at ${big} ÷ at ${half} joining`,
      unit: "×",
      engunity: growth("engunity"),
      floor: growth("floor"),
      floorName,
      goal: { of: "value", op: "<=", value: 1.2 },
    });
  }
  reportRows("joinPresence", rows);
  const file = writeResult("joinPresence", {
    description:
      "N sockets join one room over two nodes, 50 at a time; time to the last frame; bytes of every frame each client received, acks apart; alternated with bare Socket.IO",
    params: { sizes: SIZES, runs: RUNS },
    rows,
    runs: Object.fromEntries(bySize),
    totalMB: Object.fromEntries(
      [...bySize].map(([n, r]) => [
        n,
        {
          acks: median(r.engunity.map((x) => (x.ackBytesPerSocket * n) / 1e6)),
          other: median(r.engunity.map((x) => (x.otherBytesPerSocket * n) / 1e6)),
        },
      ]),
    ),
  });
  console.log(`\nwrote ${file}`);
});
