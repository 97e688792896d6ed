/**
 * Sustained, acknowledged, persisted messages into one 100-viewer room across two
 * nodes: --senders of the viewers (split over both nodes) each keep --inflight
 * `message:send`s outstanding for --seconds (a closed loop: the rate is what the
 * stack sustains). Measures acked messages/s per node, the ack p99 at that rate,
 * every viewer's deliveries (nothing lost) and node CPU per ack (CPU time of both
 * node processes, read through bench/lib/probe.mjs, ÷ acks). Floor, alternated
 * A B A B: the same loop on bare Socket.IO + redis adapter (no database).
 *
 * 80 senders by default: each socket may send 30 events/s (EVENTS_PER_SECOND), so
 * 1,000 acked/s per node needs at least 67 of them; with 20 the bench measured the
 * budget, not the stack (its refusals counted as send errors).
 *
 *   npm run bench -- throughput [--quick] [--viewers=100] [--senders=80] [--inflight=1] [--seconds=10] [--runs=3]
 */
import { performance } from "node:perf_hooks";
import {
  connectSocket,
  createBenchUsers,
  parseArgs,
  runBench,
  startBarePair,
  startEngunityPair,
} from "./lib/fixtures";
import { probe, probeEnv } from "./lib/probe";
import { reportRows, type SuiteRow, writeResult } from "./lib/results";
import { createBenchSession, joinRoom, type Target } from "./lib/rooms";
import { alternate, summarize } from "./lib/stats";

const args = parseArgs();
const QUICK = args.quick === "true";
const VIEWERS = Number(args.viewers ?? 100);
const SENDERS = Number(args.senders ?? 80);
const INFLIGHT = Number(args.inflight ?? 1);
const SECONDS = Number(args.seconds ?? (QUICK ? 4 : 10));
const RUNS = Number(args.runs ?? (QUICK ? 1 : 3));

runBench(async ({ stack, db, started }) => {
  const eng = await startEngunityPair({ ...stack.env, ...probeEnv() }, started);
  const bare = await startBarePair(stack.env.REDIS_PREFIX!, started, probeEnv());
  const { users, tokens } = await createBenchUsers(db, VIEWERS, "tput", stack.env.SECRET_KEY!);
  const sessionId = await createBenchSession(db, users, "throughput");
  const rooms = {
    engunity: await joinRoom({
      target: "engunity",
      urls: eng.map((n) => n.url),
      room: sessionId,
      tokens,
      n: VIEWERS,
      quietMs: 2500,
      connect: connectSocket,
    }),
    bare: await joinRoom({
      target: "bare",
      urls: bare.map((n) => n.url),
      room: "tput",
      tokens,
      n: VIEWERS,
      connect: connectSocket,
    }),
  };

  const loop = async (target: Target, run: number) => {
    const { clients } = rooms[target];
    const nodes = target === "engunity" ? eng : bare;
    const event = target === "engunity" ? "message:new" : "new";
    let delivered = 0;
    const onNew = () => {
      delivered += 1;
    };
    for (const c of clients) c.on(event, onNew);
    const cpuBefore = await Promise.all(nodes.map((n) => probe(n)));
    const ackMs: number[] = [];
    let acked = 0;
    let errors = 0;
    let seq = 0;
    const t0 = performance.now();
    const until = t0 + SECONDS * 1000;
    const sender = async (s: number) => {
      const socket = clients[s]!.timeout(10_000);
      while (performance.now() < until) {
        const at = performance.now();
        const k = seq++;
        try {
          const r =
            target === "engunity"
              ? await socket.emitWithAck("message:send", {
                  sessionId,
                  content: `tput ${k}`,
                  clientId: `tp-${run}-${k}`,
                  ai: false,
                })
              : await socket.emitWithAck("send", { room: "tput", content: `tput ${k}` });
          if (r?.ok) {
            acked += 1;
            ackMs.push(performance.now() - at);
          } else errors += 1;
        } catch {
          errors += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS * INFLIGHT }, (_, i) => sender(i % SENDERS)));
    const elapsed = (performance.now() - t0) / 1000;
    const deadline = performance.now() + 20_000;
    while (delivered < acked * VIEWERS && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const cpuAfter = await Promise.all(nodes.map((n) => probe(n)));
    for (const c of clients) c.off(event, onNew);
    const cpuMs = cpuAfter.reduce((sum, p, i) => sum + p.cpuMs - cpuBefore[i]!.cpuMs, 0);
    const result = {
      perNodePerSecond: acked / elapsed / nodes.length,
      ack: summarize(ackMs),
      cpuMsPerAck: cpuMs / Math.max(1, acked),
      lost: acked * VIEWERS - delivered,
      errors,
    };
    console.log(
      `${target}: ${Math.round(result.perNodePerSecond)} acked/s per node, ack p99 ${result.ack.p99} ms, ${result.cpuMsPerAck.toFixed(2)} ms CPU per ack, lost ${result.lost}, errors ${errors}`,
    );
    return result;
  };

  const r = await alternate(
    RUNS,
    (run) => loop("bare", run),
    (run) => loop("engunity", run),
  );
  for (const c of [...rooms.engunity.clients, ...rooms.bare.clients]) c.close();
  const floorName = "bare Socket.IO + redis adapter (no database)";
  const rows: SuiteRow[] = [
    {
      measure: `sustained acked messages/s per node into a ${VIEWERS}-viewer room`,
      unit: "/s",
      engunity: r.engunity.map((x) => x.perNodePerSecond),
      floor: r.floor.map((x) => x.perNodePerSecond),
      floorName,
      goal: { of: "value", op: ">=", value: 1000 },
      note: `${SENDERS} senders × ${INFLIGHT} in flight, ${SECONDS} s`,
    },
    {
      measure: "ack p99 at that rate",
      unit: "ms",
      engunity: r.engunity.map((x) => x.ack.p99),
      floor: r.floor.map((x) => x.ack.p99),
      floorName,
      goal: { of: "value", op: "<=", value: 100 },
    },
    {
      measure: "node CPU per ack (both nodes)",
      unit: "ms",
      engunity: r.engunity.map((x) => x.cpuMsPerAck),
      floor: r.floor.map((x) => x.cpuMsPerAck),
      floorName,
    },
    {
      measure: "throughput: lost deliveries + send errors",
      unit: "count",
      engunity: r.engunity.map((x) => x.lost + x.errors),
      floor: r.floor.map((x) => x.lost + x.errors),
      floorName,
      goal: { of: "value", op: "<=", value: 0 },
    },
  ];
  reportRows("throughput", rows);
  const file = writeResult("throughput", {
    description:
      "Closed-loop acked sends into one room over two nodes; acked/s per node, ack latency, node CPU per ack; alternated with bare Socket.IO",
    params: {
      viewers: VIEWERS,
      senders: SENDERS,
      inflight: INFLIGHT,
      seconds: SECONDS,
      runs: RUNS,
    },
    rows,
    runs: r,
  });
  console.log(`\nwrote ${file}`);
});
