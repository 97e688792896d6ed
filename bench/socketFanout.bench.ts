/**
 * Fan-out latency of one busy room across two realtime nodes (Redis adapter, Postgres),
 * against the floor of the stack: bare Socket.IO + redis adapter with no auth and no
 * database. N clients (10, 100, 1,000) split over both nodes join one room; senders
 * send one message per second each for a fixed time; every client times each
 * `message:new` from the send (one process, one clock).
 *
 *   npm run bench   or   npx tsx bench/socketFanout.bench.ts [--sizes=10,100,1000] [--seconds=6] [--senders-max=100]
 *
 * At 1,000 clients "every client sends once a second" would be 1,000,000 deliveries a
 * second, far past what one 2-core box (clients included) can push, and on such a box
 * the stored-message path saturates near 100 sends a second already: senders are
 * capped at --senders-max (default 25; `--senders-max=1000` for the literal load) and
 * the cap is in the results.
 */
import { performance } from "node:perf_hooks";
import { createDb } from "@engunity/db";
import { createTestStack } from "../test/support/node";
import { ensureServices } from "../test/support/services";
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
const SECONDS = Number(args.seconds ?? 6);
const SENDERS_MAX = Number(args["senders-max"] ?? 25);
const CONNECT_CONCURRENCY = 50;
const DRAIN_TIMEOUT_MS = 20_000;

type Target = "engunity" | "bare";

interface RoomResult {
  target: Target;
  clients: number;
  senders: number;
  seconds: number;
  sent: number;
  acked: number;
  sendErrors: number;
  expectedDeliveries: number;
  delivered: number;
  lost: number;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  deliveryMs: ReturnType<typeof summarize>;
  ackMs: ReturnType<typeof summarize>;
  joinSeconds: number;
  /** False when presence traffic was still arriving as measuring began. */
  settled: boolean;
}

async function main(): Promise<void> {
  await ensureServices();
  const stack = await createTestStack("postgres", { redis: true });
  const started: { stop(): Promise<void> }[] = [];
  const db = createDb({ databaseUrl: stack.env.DATABASE_URL, poolMax: 4 });
  try {
    console.log("starting two Engunity nodes and two bare Socket.IO nodes…");
    const [engA, engB] = await startEngunityPair(stack.env, started);
    const [bareA, bareB] = await startBarePair(stack.env.REDIS_PREFIX!, started);

    const { users, tokens } = await createBenchUsers(
      db,
      Math.max(...SIZES),
      "bench",
      stack.env.SECRET_KEY!,
    );

    const runRoom = async (target: Target, n: number): Promise<RoomResult> => {
      let room = `bench-${n}`;
      if (target === "engunity") {
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
        room = session.id;
      }
      const urls = target === "engunity" ? [engA.url, engB.url] : [bareA.url, bareB.url];
      const joinStart = performance.now();
      let lastPresence = performance.now();
      let firstSees = 0;
      const clients = await inBatches(users.slice(0, n), CONNECT_CONCURRENCY, async (_u, i) => {
        const socket = await connectSocket(
          urls[i % 2]!,
          target === "engunity" ? { token: tokens[i]! } : {},
        );
        // Presence comes as page changes with the count (issue 16), not full lists.
        const seen = (p: { count: number }) => {
          lastPresence = performance.now();
          if (i === 0) firstSees = p.count;
        };
        socket.on("presence:join", seen);
        socket.on("presence:leave", seen);
        const ack =
          target === "engunity"
            ? await socket.timeout(30_000).emitWithAck("session:join", { sessionId: room })
            : await socket.timeout(30_000).emitWithAck("join", room);
        if (!ack?.ok) throw new Error(`join failed: ${JSON.stringify(ack)}`);
        return socket;
      });
      // Let the join storm's presence broadcasts (page changes with the count)
      // drain before measuring: the first client sees everyone, then six quiet seconds
      // (longer than the gateway's biggest presence coalescing window), at most two minutes. Measuring while a client
      // process still parses that backlog times the backlog, not the fan-out.
      const quietBy = performance.now() + 120_000;
      while (
        target === "engunity" &&
        (firstSees < n || performance.now() - lastPresence < 6000) &&
        performance.now() < quietBy
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const settled =
        target === "bare" || (firstSees === n && performance.now() - lastPresence >= 6000);
      const joinSeconds = (performance.now() - joinStart) / 1000;
      console.log(
        `${target} n=${n}: joined in ${joinSeconds.toFixed(1)} s${settled ? "" : " (presence still arriving: not settled)"}`,
      );

      const latencies: number[] = [];
      const ackLatencies: number[] = [];
      let delivered = 0;
      const deliveredPer = new Map<string, number>();
      const ackedKeys: string[] = [];
      let lastDelivery = 0;
      const event = target === "engunity" ? "message:new" : "new";
      for (const socket of clients) {
        socket.on(event, (payload: { message?: { content: string }; content?: string }) => {
          const content = payload.message?.content ?? payload.content ?? "";
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
      const timers: NodeJS.Timeout[] = [];
      for (let s = 0; s < senders; s++) {
        for (let k = 0; k < SECONDS; k++) {
          const at = t0 + k * 1000 + (s / senders) * 1000;
          timers.push(
            setTimeout(() => {
              const sentAt = performance.now();
              const content = `bench|${sentAt.toFixed(3)}|${s}-${k}`;
              sent += 1;
              const socket = clients[s]!.timeout(10_000);
              const ack =
                target === "engunity"
                  ? socket.emitWithAck("message:send", {
                      sessionId: room,
                      content,
                      clientId: `b-${n}-${s}-${k}`,
                      ai: false,
                    })
                  : socket.emitWithAck("send", { room, content });
              sends.push(
                ack.then(
                  (r: { ok?: boolean }) => {
                    if (r?.ok) {
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
            }, at - performance.now()),
          );
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
      for (const socket of clients) socket.close();
      const result: RoomResult = {
        target,
        clients: n,
        senders,
        seconds: SECONDS,
        sent,
        acked,
        sendErrors,
        expectedDeliveries: expected,
        delivered,
        lost,
        messagesPerSecond: Math.round((acked / elapsed) * 10) / 10,
        deliveriesPerSecond: Math.round(delivered / elapsed),
        deliveryMs: summarize(latencies),
        ackMs: summarize(ackLatencies),
        joinSeconds: Math.round(joinSeconds * 10) / 10,
        settled,
      };
      console.log(
        `${target} n=${n}: delivered ${delivered}/${expected}, p50 ${result.deliveryMs.p50} ms, p99 ${result.deliveryMs.p99} ms`,
      );
      return result;
    };

    console.log(`engunity nodes ${engA.url} ${engB.url}; bare nodes ${bareA.url} ${bareB.url}`);
    const results: RoomResult[] = [];
    for (const n of SIZES) {
      if (args.only !== "engunity") results.push(await runRoom("bare", n));
      if (args.only !== "bare") results.push(await runRoom("engunity", n));
    }
    if (args.only) return;
    const bareLost = results.filter((r) => r.target === "bare").reduce((sum, r) => sum + r.lost, 0);
    if (bareLost) console.log(`note: the bare floor lost ${bareLost} deliveries`);

    const rows = SIZES.map((n) => {
      const eng = results.find((r) => r.target === "engunity" && r.clients === n)!;
      const bare = results.find((r) => r.target === "bare" && r.clients === n)!;
      return {
        clients: n,
        senders: eng.senders,
        "msg/s": eng.messagesPerSecond,
        "deliv/s": eng.deliveriesPerSecond,
        "p50 ms": eng.deliveryMs.p50,
        "p99 ms": eng.deliveryMs.p99,
        "bare p50": bare.deliveryMs.p50,
        "bare p99": bare.deliveryMs.p99,
        "p50 ratio": Math.round((eng.deliveryMs.p50 / bare.deliveryMs.p50) * 100) / 100,
        "p99 ratio": Math.round((eng.deliveryMs.p99 / bare.deliveryMs.p99) * 100) / 100,
        lost: eng.lost,
        settled: eng.settled ? "yes" : "NO",
        errors: eng.sendErrors,
      };
    });
    printTable(
      "socket fan-out: Engunity (2 nodes, Redis, Postgres) vs bare Socket.IO + redis adapter",
      rows,
    );
    const file = writeResult("socketFanout", {
      description:
        "N clients split over two realtime nodes in one room; each sender sends one message per second; delivery latency is send-to-arrival at every client, one clock",
      params: { sizes: SIZES, seconds: SECONDS, sendersMax: SENDERS_MAX },
      summary: rows,
      runs: results,
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
