/**
 * Fan-out latency of one busy room across two realtime nodes (Redis adapter, Postgres),
 * against the floor of the stack: bare Socket.IO + redis adapter with no auth and no
 * database — THE floor the goals are ratios to — and the physical floor beneath it: a
 * raw `ws` server broadcasting the same frame to every client (lib/wsBroadcastServer.ts,
 * one process, no rooms, no Redis). The three alternate (ws, bare, Engunity; ws, bare,
 * Engunity; …) --runs times. N clients (100, 1,000) split over both
 * nodes join one room; senders send one message per second each for a fixed time;
 * every client times each `message:new` from the send (one process, one clock). The
 * byte meter on the clients gives the size of one `message:new` frame against the
 * floors' frames with the same content.
 *
 *   npm run bench -- socketFanout [--quick] [--sizes=100,1000] [--seconds=6] [--senders-max=25] [--runs=3]
 *
 * At 1,000 clients "every client sends once a second" would be 1,000,000 deliveries a
 * second, far past what one 2-core box (clients included) can push: senders are capped
 * at --senders-max (`--senders-max=1000` for the literal load) and the cap is in the results.
 */
import { performance } from "node:perf_hooks";
import { startProcessNode } from "../test/support/processNode";
import { type FanoutContext, openFanoutRoom, type Target } from "./lib/fanoutRoom";
import {
  createBenchUsers,
  parseArgs,
  runBench,
  startBarePair,
  startEngunityPair,
} from "./lib/fixtures";
import { reportRows, type SuiteRow, writeResult } from "./lib/results";
import { alternateAll, summarize } from "./lib/stats";

const args = parseArgs();
const QUICK = args.quick === "true";
const SIZES = (args.sizes ?? (QUICK ? "100,300" : "100,1000")).split(",").map(Number);
const SECONDS = Number(args.seconds ?? (QUICK ? 3 : 6));
const SENDERS_MAX = Number(args["senders-max"] ?? 25);
const RUNS = Number(args.runs ?? (QUICK ? 1 : 3));
const DRAIN_TIMEOUT_MS = 20_000;

interface RoomResult {
  target: Target;
  clients: number;
  senders: number;
  sent: number;
  acked: number;
  sendErrors: number;
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  messagesPerSecond: number;
  deliveryMs: ReturnType<typeof summarize>;
  ackMs: ReturnType<typeof summarize>;
  joinSeconds: number;
  settled: boolean;
  /** Bytes of one new-message frame as a client received it. */
  frameBytes: number;
}

runBench(async ({ stack, db, started }) => {
  console.log("starting two Engunity nodes, two bare Socket.IO nodes and a raw ws server…");
  const [engA, engB] = await startEngunityPair(stack.env, started);
  const [bareA, bareB] = await startBarePair(stack.env.REDIS_PREFIX!, started);
  const { users, tokens } = await createBenchUsers(
    db,
    Math.max(...SIZES),
    "bench",
    stack.env.SECRET_KEY!,
  );

  const wsFloor = await startProcessNode({}, { script: "bench/lib/wsBroadcastServer.ts" });
  started.push(wsFloor);

  const fanout: FanoutContext = {
    db,
    users,
    tokens,
    engunityUrls: [engA.url, engB.url],
    bareUrls: [bareA.url, bareB.url],
    wsUrl: wsFloor.url,
    quietMs: QUICK ? 2500 : 6000,
  };

  const runRoom = async (target: Target, n: number, run: number): Promise<RoomResult> => {
    const joined = await openFanoutRoom(fanout, target, n, run);
    const clients = joined.clients;
    console.log(
      `${target} n=${n}: joined in ${(joined.joinMs / 1000).toFixed(1)} s, quiet after ${(joined.settleMs / 1000).toFixed(1)} s${joined.settled ? "" : " (NOT settled)"}`,
    );

    const latencies: number[] = [];
    const ackLatencies: number[] = [];
    let delivered = 0;
    const deliveredPer = new Map<string, number>();
    const ackedKeys: string[] = [];
    let lastDelivery = 0;
    for (const client of clients) {
      client.onContent((content) => {
        if (!content.startsWith("bench|")) return;
        const now = performance.now();
        const [, sentAt, key] = content.split("|");
        latencies.push(now - Number(sentAt));
        deliveredPer.set(key!, (deliveredPer.get(key!) ?? 0) + 1);
        delivered += 1;
        lastDelivery = now;
      });
    }

    const senders = Math.min(n, SENDERS_MAX);
    let sent = 0;
    let acked = 0;
    let sendErrors = 0;
    const t0 = performance.now() + 100;
    const sends: Promise<void>[] = [];
    for (let s = 0; s < senders; s++) {
      for (let k = 0; k < SECONDS; k++) {
        const at = t0 + k * 1000 + (s / senders) * 1000;
        setTimeout(() => {
          const sentAt = performance.now();
          const content = `bench|${sentAt.toFixed(3)}|${s}-${k}`;
          sent += 1;
          sends.push(
            clients[s]!.send(content, `${s}-${k}`).then(
              (ok) => {
                if (ok) {
                  acked += 1;
                  ackedKeys.push(`${s}-${k}`);
                  ackLatencies.push(performance.now() - sentAt);
                } else sendErrors += 1;
              },
              () => {
                sendErrors += 1;
              },
            ),
          );
        }, at - performance.now());
      }
    }
    await new Promise((r) => setTimeout(r, t0 - performance.now() + SECONDS * 1000 + 50));
    await Promise.all(sends);
    const expected = acked * n;
    const drainDeadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (delivered < expected && performance.now() < drainDeadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // An acked message that did not reach every client is lost (late acks still count).
    const lost = ackedKeys.reduce(
      (sum, key) => sum + Math.max(0, n - (deliveredPer.get(key) ?? 0)),
      0,
    );
    const elapsed = Math.max(1, (lastDelivery || performance.now()) - t0) / 1000;
    const frameBytes = joined.frameBytes();
    joined.close();
    const result: RoomResult = {
      target,
      clients: n,
      senders,
      sent,
      acked,
      sendErrors,
      expectedDeliveries: expected,
      delivered,
      lost,
      messagesPerSecond: Math.round((acked / elapsed) * 10) / 10,
      deliveryMs: summarize(latencies),
      ackMs: summarize(ackLatencies),
      joinSeconds: Math.round(joined.joinMs / 100) / 10,
      settled: joined.settled,
      frameBytes,
    };
    console.log(
      `${target} n=${n}: delivered ${delivered}/${expected}, p50 ${result.deliveryMs.p50} ms, p99 ${result.deliveryMs.p99} ms, frame ${frameBytes} B`,
    );
    return result;
  };

  const rows: SuiteRow[] = [];
  const runs: unknown[] = [];
  const floorName = "bare Socket.IO + redis adapter";
  const wsName = "raw ws broadcast, one process (the physical floor)";
  for (const n of SIZES) {
    const r = await alternateAll(RUNS, {
      ws: (run) => runRoom("ws", n, run),
      floor: (run) => runRoom("bare", n, run),
      engunity: (run) => runRoom("engunity", n, run),
    });
    runs.push({ n, ...r });
    const big = n >= 1000;
    rows.push(
      {
        measure: `message fan-out, ${n} viewers, p50`,
        unit: "ms",
        engunity: r.engunity.map((x) => x.deliveryMs.p50),
        floor: r.floor.map((x) => x.deliveryMs.p50),
        floorName,
        goal: { of: "ratio", op: "<=", value: big ? 1.5 : 2 },
      },
      {
        measure: `message fan-out, ${n} viewers, p99`,
        unit: "ms",
        engunity: r.engunity.map((x) => x.deliveryMs.p99),
        floor: r.floor.map((x) => x.deliveryMs.p99),
        floorName,
        goal: big ? { of: "ratio", op: "<=", value: 1.3 } : undefined,
        note: `${r.engunity[0]!.senders} senders, 1 msg/s each, ${SECONDS} s`,
      },
      {
        measure: `message fan-out, ${n} viewers, lost + send errors`,
        unit: "deliveries",
        engunity: r.engunity.map((x) => x.lost + x.sendErrors),
        floor: r.floor.map((x) => x.lost + x.sendErrors),
        floorName,
        goal: { of: "value", op: "<=", value: 0 },
      },
      // The physical floor: no goal is held to it, it says how far the stack itself is from the wire.
      {
        measure: `message fan-out, ${n} viewers, p50, vs raw ws`,
        unit: "ms",
        engunity: r.engunity.map((x) => x.deliveryMs.p50),
        floor: r.ws.map((x) => x.deliveryMs.p50),
        floorName: wsName,
        note: `bare Socket.IO ÷ raw ws: ${r.floor.map((x, i) => (x.deliveryMs.p50 / r.ws[i]!.deliveryMs.p50).toFixed(2)).join(", ")}`,
      },
      {
        measure: `message fan-out, ${n} viewers, p99, vs raw ws`,
        unit: "ms",
        engunity: r.engunity.map((x) => x.deliveryMs.p99),
        floor: r.ws.map((x) => x.deliveryMs.p99),
        floorName: wsName,
      },
      {
        measure: `raw ws broadcast, ${n} viewers, lost + send errors`,
        unit: "deliveries",
        engunity: r.ws.map((x) => x.lost + x.sendErrors),
        note: "the floor's own check: a lost frame here is the harness, not Engunity",
      },
    );
  }
  const last = runs.at(-1) as { ws: RoomResult[]; floor: RoomResult[]; engunity: RoomResult[] };
  rows.push({
    measure: "`message:new` frame (same content)",
    unit: "B",
    engunity: last.engunity.map((x) => x.frameBytes),
    floor: last.floor.map((x) => x.frameBytes),
    floorName: "bare `new` frame",
  });
  rows.push({
    measure: "`message:new` frame vs raw ws (the content alone)",
    unit: "B",
    engunity: last.engunity.map((x) => x.frameBytes),
    floor: last.ws.map((x) => x.frameBytes),
    floorName: "raw ws frame",
  });
  reportRows("socketFanout", rows);
  const file = writeResult("socketFanout", {
    description:
      "N clients split over two realtime nodes in one room; each sender sends one message per second; delivery latency is send-to-arrival at every client, one clock; floor and Engunity alternated",
    params: { sizes: SIZES, seconds: SECONDS, sendersMax: SENDERS_MAX, runs: RUNS },
    rows,
    runs,
  });
  console.log(`\nwrote ${file}`);
});
