import { type DrillWorld, probe, steadyLoad } from "./drillChecks";
import type { ProductionStack } from "./productionStack";
import { emitAck, waitFor } from "./sockets";

/**
 * The fault drills of the production layout, shared by test/production/drills.test.ts
 * (once each, lean) and bench/drills.bench.ts (repeated, under longer load). Each makes
 * its fault, waits for the layout to work again and returns the recovery time; the
 * caller then checks `nothingLost`. They throw when the fault did not do what it should.
 */

/**
 * The node holding the most Socket.IO clients, once the nodes' gauges count at least
 * this world's (sockets of a world closed just before may still be counted).
 */
async function busiestNode(stack: ProductionStack, w: DrillWorld): Promise<number> {
  let counts: number[] = [];
  await waitFor(
    async () => {
      counts = await Promise.all(stack.nodes.map((_, i) => stack.nodeSockets(i)));
      return counts.reduce((a, b) => a + b, 0) >= w.clients.length;
    },
    "the nodes to count this world's sockets",
    10_000,
  );
  return counts.indexOf(Math.max(...counts));
}

function must(ok: boolean, what: string): void {
  if (!ok) throw new Error(`drill: ${what}`);
}

/** kill -9 of the busiest realtime node while an answer streams; restarted afterwards. */
export async function nodeKillDrill(stack: ProductionStack, w: DrillWorld): Promise<number> {
  const { assistantMessageId } = await w.clients[0]!.send("@ai a long answer please", true);
  const id = assistantMessageId!;
  await waitFor(
    () => w.clients.some((c) => c.viewer.gen(id).lastSeq >= 3),
    "three batches streamed",
    15_000,
  );
  let victim = await busiestNode(stack, w);
  const disconnectsBefore = w.clients.reduce((n, c) => n + c.disconnects, 0);
  const dropped = () => w.clients.reduce((n, c) => n + c.disconnects, 0) > disconnectsBefore;
  let started = Date.now();
  await stack.killNode(victim);
  // Stale counts can point at a node none of these clients is on: then the other one.
  if (
    !(await waitFor(dropped, "a client of the killed node to drop", 3000).then(
      () => true,
      () => false,
    ))
  ) {
    await stack.startNode(victim);
    victim = (victim + 1) % stack.nodes.length;
    started = Date.now();
    await stack.killNode(victim);
  }
  try {
    w.editors[0]?.edit(Math.random, "k");
    await probe(w, `after node ${victim} was killed`);
    const recovery = Date.now() - started;
    await waitFor(
      () => w.clients.every((c) => c.messages.get(id)?.status === "complete"),
      "the answer to end",
      20_000,
    );
    must(dropped(), "no client was on the killed node");
    return recovery;
  } finally {
    // Whatever happened, the next drill gets the whole layout.
    await stack.startNode(victim);
  }
}

/** kill -9 of the worker streaming an answer; the answer completes on the other (epoch 2). */
export async function workerKillDrill(stack: ProductionStack, w: DrillWorld): Promise<number> {
  const { assistantMessageId } = await w.clients[0]!.send("@ai long answer", true);
  const id = assistantMessageId!;
  await waitFor(() => w.clients.every((c) => c.viewer.gen(id).lastSeq >= 3), "batches", 15_000);
  const active = await Promise.all(stack.workers.map((_, i) => stack.workerActive(i)));
  const victim = active.findIndex((n) => n > 0);
  must(victim >= 0, "no worker reports the answer running");
  const started = Date.now();
  await stack.killWorker(victim);
  try {
    await waitFor(
      () => w.clients.every((c) => c.messages.get(id)?.status === "complete"),
      "the retried answer to complete",
      20_000,
    );
    const recovery = Date.now() - started;
    for (const c of w.clients)
      must(c.viewer.gen(id).epoch === 2, "a client did not see the retry's new epoch");
    return recovery;
  } finally {
    await stack.startWorker(victim);
  }
}

/** Redis killed and started again (AOF); then an answer must stream to every client. */
export async function redisRestartDrill(stack: ProductionStack, w: DrillWorld): Promise<number> {
  const started = Date.now();
  await stack.redis.restart();
  w.editors[1]?.edit(Math.random, "r");
  await probe(w, "after the redis restart");
  const recovery = Date.now() - started;
  const { assistantMessageId } = await w.clients[1]!.send("@ai after the restart", true);
  await waitFor(
    () => w.clients.every((c) => c.messages.get(assistantMessageId!)?.status === "complete"),
    "an answer after the restart",
    20_000,
  );
  must(
    stack.nodes.every((n) => n.proc?.child.exitCode === null),
    "a node exited during the Redis restart",
  );
  return recovery;
}

/**
 * Postgres unreachable for `outageMs` (every connection cut, new ones refused), then
 * back: sends answer `unavailable` meanwhile, a send made during the outage is acked
 * after it. Returns the time from Postgres being back to the layout working.
 */
export async function postgresRestartDrill(
  stack: ProductionStack,
  w: DrillWorld,
  outageMs = 1000,
): Promise<number> {
  await stack.pgProxy.cut();
  const during = await emitAck(w.clients[0]!.socket, "message:send", {
    sessionId: w.sessionId,
    content: "while the database is down",
    clientId: `pg-down-${Date.now()}`,
    ai: false,
  });
  must(
    during.error?.code === "unavailable",
    `a send during the outage answered ${JSON.stringify(during)}`,
  );
  must((await stack.api.get("/health")).status === 503, "health did not report the outage");
  const pending = w.clients[1]!.send("sent during the outage, acked after it");
  await new Promise((r) => setTimeout(r, outageMs));
  await stack.pgProxy.restore();
  const restored = Date.now();
  await pending;
  await probe(w, "after the postgres restart");
  return Date.now() - restored;
}

export interface RollingResult {
  /** Longest SIGTERM → replacement ready, over every node and worker. */
  stepMaxMs: number;
  /** Each restart: how long the old process took to exit and the new one to be ready. */
  steps: { what: string; stopMs: number; startMs: number }[];
  totalMs: number;
  sent: number;
  asked: number;
  edits: number;
  errors: string[];
}

/**
 * SIGTERM and restart of every node and every worker, one of each role at a time, under steady load
 * (two senders, one AI asker, the Yjs editors, the rest watching). Answers are slowed past
 * the workers' grace period so some are handed back mid-stream.
 */
export async function rollingRestartDrill(
  stack: ProductionStack,
  w: DrillWorld,
  opts: { tokenIntervalMs?: number } = {},
): Promise<RollingResult> {
  const before = stack.fake.tokenIntervalMs;
  stack.fake.tokenIntervalMs = opts.tokenIntervalMs ?? 60;
  const load = steadyLoad(w, {
    senders: 2,
    askers: 1,
    sendEveryMs: 100,
    askEveryMs: 400,
    editEveryMs: 60,
  });
  const started = Date.now();
  const steps: RollingResult["steps"] = [];
  let restarted: Error | null = null;
  try {
    // The two roles roll independently, as two Deployments do: node i and worker i at
    // once, one of each at a time.
    const restartNode = async (i: number) => {
      const t = Date.now();
      await stack.stopNode(i);
      const stopped = Date.now();
      await stack.startNode(i);
      const port = stack.nodes[i]!.port;
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/api/v1/health/ready`)).status === 200,
        "the new node ready",
        10_000,
      );
      steps.push({ what: `node ${i}`, stopMs: stopped - t, startMs: Date.now() - stopped });
    };
    const restartWorker = async (i: number) => {
      const t = Date.now();
      await stack.stopWorker(i);
      const stopped = Date.now();
      await stack.startWorker(i);
      steps.push({ what: `worker ${i}`, stopMs: stopped - t, startMs: Date.now() - stopped });
    };
    for (let i = 0; i < Math.max(stack.nodes.length, stack.workers.length); i++) {
      await Promise.all([
        i < stack.nodes.length ? restartNode(i) : null,
        i < stack.workers.length ? restartWorker(i) : null,
      ]);
    }
    await probe(w, "after the rolling restart");
  } catch (err) {
    restarted = err as Error;
  }
  // The load stops either way, so its loops never outlive the drill.
  const done = await load.stop();
  stack.fake.tokenIntervalMs = before;
  if (restarted) throw restarted;
  return {
    stepMaxMs: Math.max(...steps.map((x) => x.stopMs + x.startMs)),
    steps,
    totalMs: Date.now() - started,
    ...done,
  };
}
