import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type ApiClient, apiClient } from "./api";
import { defaultTokens, type FakeLlmServer, startFakeLlmServer } from "./fakeLlmServer";
import { type RunningNginx, startNginx } from "./nginx";
import { fixedPort } from "./ports";
import { createTestDatabase } from "./postgres";
import { type PrivateRedis, startPrivateRedis } from "./privateRedis";
import { type ChildHandle, type ProcessNode, spawnChild, startProcessNode } from "./processNode";
import { startTcpProxy, type TcpProxy } from "./tcpProxy";
import { spawnWorkerProcess } from "./worker";

/** A realtime node of the stack: a fixed port (nginx lists it), the process on it now. */
export interface NodeSlot {
  port: number;
  proc: ProcessNode | null;
}

/** A worker of the stack: its probe/metrics port and the process now. */
export interface WorkerSlot {
  metricsPort: number;
  proc: ChildHandle | null;
}

/**
 * The production layout on loopback, without Docker: Debian's nginx with the project's
 * template in front of N realtime nodes and M workers (child processes, `ROLE=realtime`
 * / `ROLE=worker`), on a Postgres database of its own reached through a TCP proxy (so it
 * can be "restarted" without touching the shared server) and a private Redis with AOF
 * (so it can be killed and restarted), with a loopback LLM server as the provider.
 */
export interface ProductionStack {
  nginx: RunningNginx;
  /** nginx's URL: the only address clients use. */
  url: string;
  api: ApiClient;
  redis: PrivateRedis;
  pgProxy: TcpProxy;
  /** A direct connection (not through the proxy) for assertions. */
  pg: pg.Client;
  fake: FakeLlmServer;
  env: Record<string, string>;
  nodes: NodeSlot[];
  workers: WorkerSlot[];
  webRoot: string;
  startNode(i: number): Promise<void>;
  /** SIGTERM and wait for the exit (graceful). */
  stopNode(i: number): Promise<void>;
  /** SIGKILL. */
  killNode(i: number): Promise<void>;
  startWorker(i: number): Promise<void>;
  stopWorker(i: number): Promise<void>;
  killWorker(i: number): Promise<void>;
  /** Connected Socket.IO clients of node `i` (its gauge, read directly). */
  nodeSockets(i: number): Promise<number>;
  /** Open Yjs connections of node `i` (its gauge, read directly). */
  nodeYjsConnections(i: number): Promise<number>;
  /** Generations worker `i` is streaming now (its gauge, read directly). */
  workerActive(i: number): Promise<number>;
  close(): Promise<void>;
}

export interface ProductionStackOptions {
  nodes?: number;
  workers?: number;
  /** Extra env for every process. */
  env?: Record<string, string>;
  /** Fake provider: tokens per answer and the gap between them. */
  tokens?: number;
  tokenIntervalMs?: number;
}

async function gauge(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(" ").pop()) : 0;
}

/** A tiny web build: what nginx serves under /assets/ (the real build is not needed here). */
function fakeWebBuild(): string {
  const root = mkdtempSync(join(tmpdir(), "engunity-web-"));
  mkdirSync(join(root, "assets"));
  writeFileSync(join(root, "index.html"), "<!doctype html><title>Engunity</title>");
  writeFileSync(
    join(root, "assets", "index-3f9a1c.js"),
    `export const app = "${"x".repeat(4096)}";\n`,
  );
  return root;
}

export async function startProductionStack(
  opts: ProductionStackOptions = {},
): Promise<ProductionStack> {
  const cleanups: (() => Promise<void>)[] = [];
  const fake = await startFakeLlmServer({
    tokens: defaultTokens(opts.tokens ?? 30),
    tokenIntervalMs: opts.tokenIntervalMs ?? 20,
  });
  cleanups.push(() => fake.close());
  const aofDir = mkdtempSync(join(tmpdir(), "engunity-aof-"));
  const webRoot = fakeWebBuild();
  cleanups.push(async () => {
    rmSync(aofDir, { recursive: true, force: true });
    rmSync(webRoot, { recursive: true, force: true });
  });
  try {
    const redis = await startPrivateRedis({ aofDir });
    cleanups.push(() => redis.kill());
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const pgProxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
    cleanups.push(() => pgProxy.close());
    const viaProxy = new URL(database.url);
    viaProxy.port = String(pgProxy.port);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    cleanups.push(() => client.end());

    const env: Record<string, string> = {
      DATABASE_URL: viaProxy.toString(),
      REDIS_URL: redis.url,
      REDIS_PREFIX: `p${randomBytes(4).toString("hex")}`,
      SECRET_KEY: randomBytes(32).toString("hex"),
      DATA_DIR: mkdtempSync(join(tmpdir(), "engunity-prod-")),
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: fake.groqBaseUrl,
      AI_PROVIDER_ORDER: "groq,offline",
      // A dead worker is noticed in a few seconds, not thirty. Not less: a lock that
      // lapses while a loaded machine starves the worker's event loop counts as a stall,
      // and a job stalled twice fails (seen at 1 s under a load average of 20 on 2 cores).
      AI_STALL_MS: "3000",
      AI_RATE_PER_MINUTE: "10000",
      AI_DAILY_TOKEN_QUOTA: "0",
      SHUTDOWN_GRACE_MS: "1500",
      HOST: "127.0.0.1",
      ...opts.env,
    };
    cleanups.push(async () => rmSync(env.DATA_DIR!, { recursive: true, force: true }));

    // The compose file's one-shot `migrate` service.
    const migrate = await spawnChild("scripts/migrate.ts", env, (line) =>
      /Applied|up to date/.test(line) ? true : undefined,
    );
    if ((await migrate.exited) !== 0)
      throw new Error(`migrate failed:\n${migrate.logs.join("\n")}`);

    const nodes: NodeSlot[] = [];
    for (let i = 0; i < (opts.nodes ?? 2); i++) nodes.push({ port: await fixedPort(), proc: null });
    const workers: WorkerSlot[] = [];
    for (let i = 0; i < (opts.workers ?? 2); i++)
      workers.push({ metricsPort: await fixedPort(), proc: null });

    const slot = <T>(list: T[], i: number): T => {
      const s = list[i];
      if (!s) throw new Error(`no slot ${i}`);
      return s;
    };
    const startNode = async (i: number) => {
      const s = slot(nodes, i);
      s.proc = await startProcessNode({ ...env, PORT: String(s.port) });
    };
    const startWorker = async (i: number) => {
      const s = slot(workers, i);
      s.proc = await spawnWorkerProcess({ ...env, WORKER_METRICS_PORT: String(s.metricsPort) });
    };
    const end = async (s: { proc: ChildHandle | null }, how: "stop" | "kill") => {
      const p = s.proc;
      s.proc = null;
      if (p) await (how === "stop" ? p.stop() : p.kill());
    };
    await Promise.all([
      ...nodes.map((_, i) => startNode(i)),
      ...workers.map((_, i) => startWorker(i)),
    ]);
    cleanups.push(async () => {
      await Promise.all([...nodes, ...workers].map((s) => end(s, "kill")));
    });

    const nginx = await startNginx({ realtimePorts: nodes.map((n) => n.port), webRoot });
    cleanups.push(() => nginx.stop());

    return {
      nginx,
      url: nginx.url,
      api: apiClient(nginx.url),
      redis,
      pgProxy,
      pg: client,
      fake,
      env,
      nodes,
      workers,
      webRoot,
      startNode,
      stopNode: (i) => end(slot(nodes, i), "stop"),
      killNode: (i) => end(slot(nodes, i), "kill"),
      startWorker,
      stopWorker: (i) => end(slot(workers, i), "stop"),
      killWorker: (i) => end(slot(workers, i), "kill"),
      nodeSockets: (i) =>
        gauge(`http://127.0.0.1:${slot(nodes, i).port}/metrics`, "engunity_socket_connections"),
      nodeYjsConnections: (i) =>
        gauge(`http://127.0.0.1:${slot(nodes, i).port}/metrics`, "engunity_yjs_connections"),
      workerActive: (i) =>
        gauge(
          `http://127.0.0.1:${slot(workers, i).metricsPort}/metrics`,
          "engunity_ai_active_generations",
        ),
      async close() {
        for (const c of cleanups.reverse()) await c().catch(() => {});
      },
    };
  } catch (err) {
    for (const c of cleanups.reverse()) await c().catch(() => {});
    throw err;
  }
}
