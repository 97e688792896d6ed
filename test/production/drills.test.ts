import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DrillUser,
  type DrillWorld,
  nothingLost,
  openWorld,
  probe,
  steadyLoad,
} from "../support/drillChecks";
import { type ProductionStack, startProductionStack } from "../support/productionStack";
import { emitAck, waitFor } from "../support/sockets";

/**
 * The production layout, for real but without Docker: Debian's nginx with the
 * project's template in front of two realtime nodes and two workers (child processes)
 * on Postgres and Redis. Clients reach it through nginx only. Each fault drill (QUALITY.md
 * faults 2–5, and a rolling restart) ends with the same check: nothing lost.
 */
describe("production layout behind nginx: 2 realtime nodes, 2 workers", () => {
  let stack: ProductionStack;
  const users: DrillUser[] = [];
  const worlds: DrillWorld[] = [];
  const recovery: Record<string, number> = {};

  beforeAll(async () => {
    stack = await startProductionStack();
    for (const name of ["ada", "bob", "cyd", "dia"]) {
      const { token } = await stack.api.register(name);
      users.push({ token, username: name });
    }
  }, 90_000);
  afterAll(async () => {
    for (const w of worlds) w.close();
    await stack?.close();
    // The drills' recovery times, for the report (bench/drills.bench.ts soaks longer).
    console.log("drill recovery (ms):", JSON.stringify(recovery));
  });

  async function world(title: string, editors = 0, transports?: ("websocket" | "polling")[]) {
    const w = await openWorld(stack, users, { title, editors, transports });
    worlds.push(w);
    return w;
  }
  /** The node holding the most Socket.IO clients now. */
  async function busiestNode(): Promise<number> {
    const counts = await Promise.all(stack.nodes.map((_, i) => stack.nodeSockets(i)));
    return counts.indexOf(Math.max(...counts));
  }

  it("routes REST, Socket.IO and Yjs through nginx; serves cached, compressed assets; keeps /metrics and big bodies out", async () => {
    const { api, url } = stack;
    expect((await api.get("/health")).body).toMatchObject({ status: "ok", db: "ok", redis: "ok" });
    expect((await api.get("/health/live")).body).toEqual({ status: "ok" });
    expect((await api.get("/health/ready")).status).toBe(200);

    for (const path of ["/metrics", "/METRICS", "/metrics/", "/Metrics/", "/%6Detrics"]) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
    }
    // The node itself still serves it to a scraper on the private network.
    expect((await fetch(`http://127.0.0.1:${stack.nodes[0]!.port}/metrics`)).status).toBe(200);

    const asset = await fetch(`${url}/assets/index-3f9a1c.js`, {
      headers: { "accept-encoding": "gzip" },
    });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-encoding")).toBe("gzip");
    expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await fetch(`${url}/assets/missing-000.js`)).status).toBe(404);
    // The app's page comes from a node, with its CSP; no version is given away.
    const page = await fetch(`${url}/`);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers.get("server")).toBe("nginx");

    // Bodies over the limits are refused by nginx in the API's error shape.
    const big = await fetch(`${url}/api/v1/chat/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${users[0]!.token}` },
      body: JSON.stringify({ title: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: "payload_too_large" } });
    const upload = await fetch(
      `${url}/api/v1/chat/00000000-0000-4000-8000-000000000000/documents`,
      {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: Buffer.alloc(11 * 1024 * 1024 + 1),
      },
    );
    expect(upload.status).toBe(413);
    const underLimit = await fetch(
      `${url}/api/v1/chat/00000000-0000-4000-8000-000000000000/documents`,
      {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: Buffer.alloc(2 * 1024 * 1024),
      },
    );
    // Past nginx (the upload limit is MAX_UPLOAD_SIZE_MB + 1 MiB there): the node answers.
    expect(underLimit.status).not.toBe(413);

    // A login flood from one address meets nginx's limit, in the API's error shape.
    const flood = await Promise.all(
      Array.from({ length: 120 }, () =>
        fetch(`${url}/api/v1/auth/login`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ login: "nobody", password: "wrong password" }),
        }),
      ),
    );
    const limited = flood.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.headers.get("retry-after")).toBe("1");
    expect(await limited[0]!.json()).toMatchObject({ error: { code: "rate_limited" } });
  });

  it("keeps a long-polling client on one node with nginx's cookie, and spreads websocket clients", async () => {
    const handshake = await fetch(`${stack.url}/socket.io/?EIO=4&transport=polling`);
    const cookie = handshake.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^engunity_node=[0-9a-f]+; Path=\/socket.io\/; HttpOnly/);
    const sid = JSON.parse((await handshake.text()).slice(1)).sid as string;
    const poll = (withCookie: boolean) =>
      fetch(`${stack.url}/socket.io/?EIO=4&transport=polling&sid=${sid}`, {
        method: "POST",
        headers: withCookie ? { cookie: cookie.split(";")[0]! } : {},
        body: "3",
      }).then((r) => r.status);
    // Every request with the cookie reaches the node that holds the session…
    for (let i = 0; i < 10; i++) expect(await poll(true)).toBe(200);
    // …while without it, requests spread over both nodes and the other one knows no such sid.
    const spread = await Promise.all(Array.from({ length: 16 }, () => poll(false)));
    expect(spread).toContain(400);

    // A real polling-only Socket.IO client (it keeps cookies with withCredentials).
    const w = await world("polling", 0, ["polling"]);
    const { id } = await w.clients[1]!.send("over long-polling");
    await waitFor(() => w.clients.every((c) => c.messages.has(id)), 10_000, "polling delivery");
    const counts = await Promise.all(stack.nodes.map((_, i) => stack.nodeSockets(i)));
    expect(counts.every((n) => n > 0)).toBe(true);
    w.close();
  });

  it("drill: kill -9 of a realtime node mid-stream", async () => {
    const w = await world("node kill", 2);
    const asker = w.clients[0]!;
    const { assistantMessageId } = await asker.send("@ai a long answer please", true);
    const id = assistantMessageId!;
    await waitFor(
      () => w.clients.some((c) => c.viewer.gen(id).lastSeq >= 3),
      15_000,
      "three batches streamed",
    );
    const victim = await busiestNode();
    const started = Date.now();
    await stack.killNode(victim);
    w.editors[0]!.edit(Math.random, "k");
    await probe(w, "after node kill");
    recovery.nodeKill = Date.now() - started;
    await waitFor(
      () => w.clients.every((c) => Boolean(c.messages.get(id)?.status === "complete")),
      20_000,
      "the answer to end",
    );
    expect(w.clients.some((c) => c.disconnects > 0)).toBe(true);
    await stack.startNode(victim);
    expect(await nothingLost(stack, w)).toEqual([]);
    w.close();
  }, 60_000);

  it("drill: kill -9 of a worker mid-generation", async () => {
    const w = await world("worker kill");
    const { assistantMessageId } = await w.clients[0]!.send("@ai long answer", true);
    const id = assistantMessageId!;
    await waitFor(() => w.clients.every((c) => c.viewer.gen(id).lastSeq >= 3), 15_000, "batches");
    const active = await Promise.all(stack.workers.map((_, i) => stack.workerActive(i)));
    const victim = active.findIndex((n) => n > 0);
    expect(victim).toBeGreaterThanOrEqual(0);
    const started = Date.now();
    await stack.killWorker(victim);
    await waitFor(
      () => w.clients.every((c) => c.messages.get(id)?.status === "complete"),
      20_000,
      "the retried answer to complete",
    );
    recovery.workerKill = Date.now() - started;
    for (const c of w.clients) expect(c.viewer.gen(id).epoch).toBe(2);
    await stack.startWorker(victim);
    expect(await nothingLost(stack, w)).toEqual([]);
    w.close();
  }, 60_000);

  it("drill: Redis restarted", async () => {
    const w = await world("redis restart", 2);
    const started = Date.now();
    await stack.redis.restart();
    w.editors[1]!.edit(Math.random, "r");
    await probe(w, "after redis restart");
    recovery.redisRestart = Date.now() - started;
    // Cross-node fan-out, the queue and the workers are back: an answer streams to all.
    const { assistantMessageId } = await w.clients[1]!.send("@ai after the restart", true);
    await waitFor(
      () => w.clients.every((c) => c.messages.get(assistantMessageId!)?.status === "complete"),
      20_000,
      "an answer after the restart",
    );
    expect(stack.nodes.every((n) => n.proc?.child.exitCode === null)).toBe(true);
    expect(await nothingLost(stack, w)).toEqual([]);
    w.close();
  }, 60_000);

  it("drill: Postgres restarted", async () => {
    const w = await world("postgres restart", 1);
    await stack.pgProxy.cut();
    const started = Date.now();
    const during = await emitAck(w.clients[0]!.socket, "message:send", {
      sessionId: w.sessionId,
      content: "while the database is down",
      clientId: "pg-down-1",
      ai: false,
    });
    expect(during.error?.code).toBe("unavailable");
    const health = await stack.api.get("/health");
    expect(health.status).toBe(503);
    const pending = w.clients[1]!.send("sent during the outage, acked after it");
    await new Promise((r) => setTimeout(r, 1000));
    await stack.pgProxy.restore();
    const restored = Date.now();
    await pending;
    await probe(w, "after postgres restart");
    recovery.postgresRestart = Date.now() - restored;
    recovery.postgresOutage = restored - started;
    expect(await nothingLost(stack, w)).toEqual([]);
    w.close();
  }, 60_000);

  it("drill: rolling restart of every node and worker under steady load", async () => {
    // Answers outlast the workers' 1.5 s grace period now and then: some get handed back.
    stack.fake.tokenIntervalMs = 60;
    const w = await world("rolling", 2);
    const load = steadyLoad(w, {
      senders: 2,
      askers: 1,
      sendEveryMs: 100,
      askEveryMs: 400,
      editEveryMs: 60,
    });
    const steps: number[] = [];
    for (const [i, n] of stack.nodes.entries()) {
      const t = Date.now();
      await stack.stopNode(i);
      await stack.startNode(i);
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${n.port}/api/v1/health/ready`)).status === 200,
        10_000,
        "the new node ready",
      );
      steps.push(Date.now() - t);
    }
    for (const [i] of stack.workers.entries()) {
      const t = Date.now();
      await stack.stopWorker(i);
      await stack.startWorker(i);
      steps.push(Date.now() - t);
    }
    await probe(w, "after the rolling restart");
    const done = await load.stop();
    stack.fake.tokenIntervalMs = 20;
    recovery.rollingRestartStepMax = Math.max(...steps);
    expect(done.errors).toEqual([]);
    expect(done.sent).toBeGreaterThan(10);
    expect(done.asked).toBeGreaterThan(2);
    expect(await nothingLost(stack, w, { timeoutMs: 30_000 })).toEqual([]);
    w.close();
  }, 90_000);
});
