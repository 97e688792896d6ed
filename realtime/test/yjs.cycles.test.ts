import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { REDIS_URL } from "../../test/support/services";
import { closedWith, rawConnect, waitFor } from "./yjsClients";

// vitest's forks do not pass --expose-gc; V8 can still hand out `gc` at run time.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const CYCLES = Number(process.env.YJS_CYCLES ?? 1_000);
const PARALLEL = 8;

/**
 * Connect/disconnect churn: every cycle opens a doc (load from the database, Redis
 * subscribe) and its close unloads it again. Afterwards no doc, connection or Redis
 * subscription is left, and the heap has not grown.
 */
describe("Yjs connect/disconnect cycles (Postgres + Redis, two nodes)", () => {
  let stack: TestStack;
  let api: ApiClient;
  let redis: Redis;
  let token: string;
  let userId: string;
  const sessions: string[] = [];

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true });
    await stack.startNode();
    await stack.startNode();
    api = apiClient(stack.nodes[0]!.url);
    redis = new Redis(REDIS_URL);
    const alice = await api.register("alice");
    token = alice.token;
    userId = alice.user.id;
    for (let i = 0; i < PARALLEL; i++) {
      sessions.push((await api.post("/chat/sessions", { title: `Doc ${i}` }, token)).body.id);
    }
  });
  afterAll(async () => {
    redis?.disconnect();
    await stack?.close();
  });

  /** One client's life: ticket, handshake, the server's first sync message, close. */
  async function cycle(i: number): Promise<void> {
    const sessionId = sessions[i % PARALLEL]!;
    const node = stack.nodes[i % 2]!;
    // Issued straight from the node's store: this test is about the socket's life, not REST.
    const ticket = await stack.nodes[0]!.ctx.tickets.issue({ userId, sessionId });
    const conn = await rawConnect(node.url, `session:${sessionId}`, `?ticket=${ticket}`);
    if (!conn.ws) throw new Error("refused");
    const { ws } = conn;
    await conn.firstMessage;
    const closed = closedWith(ws);
    ws.close();
    await closed;
  }

  async function run(total: number): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async (_, lane) => {
        for (;;) {
          const i = next++;
          if (i >= total) return;
          await cycle(i * PARALLEL + lane);
        }
      }),
    );
  }

  async function settled(): Promise<void> {
    await waitFor(
      () => stack.nodes.every((n) => n.yjs.registry.size === 0 && n.yjs.connectionCount() === 0),
      "every doc unloaded and every connection gone",
      10_000,
    );
    await waitFor(
      async () => (await redis.pubsub("CHANNELS", `${stack.env.REDIS_PREFIX}:yjs:*`)).length === 0,
      "no yjs channel still subscribed",
    );
  }

  function heapAfterGc(): number {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  }

  it(`unloads every doc and keeps the heap flat over ${CYCLES} cycles`, async () => {
    await run(Number(process.env.YJS_WARMUP ?? 100));
    await settled();
    const before = heapAfterGc();
    const started = Date.now();
    await run(CYCLES);
    await settled();
    const after = heapAfterGc();
    const growthMb = (after - before) / 1024 / 1024;
    console.log(
      `yjs cycles: ${CYCLES} in ${Date.now() - started} ms, heap ${(before / 1048576).toFixed(1)} → ${(after / 1048576).toFixed(1)} MB`,
    );
    // A leaked doc (Y.Doc + Awareness + interval) costs well over 10 kB; 1,000 of them would show.
    expect(growthMb).toBeLessThan(5);
    const opened = await stack.nodes[0]!.ctx.metrics.yjsOpenDocs.get();
    expect(opened.values[0]?.value).toBe(0);
  }, 120_000);
});
