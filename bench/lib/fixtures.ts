/** What every bench shares: argument parsing, socket connects, batched setup, bench users, node pairs. */
import { signAccessToken } from "@engunity/core";
import { createDb, type Db } from "@engunity/db";
import { io, type Socket } from "socket.io-client";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type ProcessNode, startProcessNode } from "../../test/support/processNode";
import { ensureServices, REDIS_URL } from "../../test/support/services";

/** `--key=value` flags (a bare `--flag` is "true"). */
export function parseArgs(argv = process.argv.slice(2)): Record<string, string> {
  return Object.fromEntries(
    argv.map((a) => {
      const [k, v] = a.replace(/^--/, "").split("=");
      return [k, v ?? "true"];
    }),
  );
}

/** A websocket-only Socket.IO client that resolves once connected (20 s at most). */
export function connectSocket(url: string, auth: Record<string, string>): Promise<Socket> {
  const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true, auth });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connect ${url} timed out`)), 20_000);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Runs `fn` over `items`, `size` at a time (1,000 simultaneous connects would time out). */
export async function inBatches<T, R>(
  items: T[],
  size: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  }
  return out;
}

/**
 * `n` users straight into the database, with access tokens: registering 1,000 through
 * REST would hit the registration rate limit, and password hashing is not what is measured.
 */
export async function createBenchUsers(db: Db, n: number, prefix: string, secret: string) {
  const users = await db.models.User.bulkCreate(
    Array.from({ length: n }, (_, i) => ({
      username: `${prefix}${i}`,
      email: `${prefix}${i}@bench.test`,
      hashedPassword: "unusable",
      fullName: `${prefix} ${i}`,
    })),
  );
  // Every user token names a login session (its `jti`), which must exist and be live.
  const logins = await db.models.LoginSession.bulkCreate(
    users.map((u) => ({
      userId: u.id,
      device: "bench",
      ip: null,
      expiresAt: new Date(Date.now() + 3_600_000),
      lastSeenAt: new Date(),
    })),
  );
  return {
    users,
    tokens: users.map((u, i) => signAccessToken(secret, u.id, 60, { jti: logins[i]!.id })),
  };
}

/** Two Engunity realtime nodes as child processes on the stack's database and Redis. */
export async function startEngunityPair(
  env: Record<string, string>,
  started: { stop(): Promise<void> }[],
  /** More env for both nodes (e.g. `probeEnv()` from lib/probe). */
  extraEnv: Record<string, string> = {},
): Promise<[ProcessNode, ProcessNode]> {
  // BENCH_NODE_OPTIONS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the nodes.
  const profile = process.env.BENCH_NODE_OPTIONS;
  const nodeEnv = {
    ...env,
    LOG_LEVEL: "info",
    ...extraEnv,
    ...(profile ? { EXEC_ARGV: profile } : {}),
  };
  const a = await startProcessNode(nodeEnv);
  started.push(a);
  const b = await startProcessNode(nodeEnv);
  started.push(b);
  return [a, b];
}

/** Two bare Socket.IO + redis-adapter servers: the floor of the stack. */
export async function startBarePair(
  redisPrefix: string,
  started: { stop(): Promise<void> }[],
  extraEnv: Record<string, string> = {},
): Promise<[ProcessNode, ProcessNode]> {
  const profile = process.env.BENCH_NODE_OPTIONS;
  const env = {
    REDIS_URL,
    BARE_KEY: `${redisPrefix}:bare`,
    ...extraEnv,
    ...(profile ? { EXEC_ARGV: profile } : {}),
  };
  const a = await startProcessNode(env, { script: "bench/lib/bareServer.ts" });
  started.push(a);
  const b = await startProcessNode(env, { script: "bench/lib/bareServer.ts" });
  started.push(b);
  return [a, b];
}

/** What a socket bench gets from `runBench`: its database, Redis prefix and what to stop after. */
export interface BenchContext {
  stack: TestStack;
  db: Db;
  /** Everything pushed here is stopped (last first) when the bench ends, however it ends. */
  started: { stop(): Promise<void> }[];
}

/**
 * Runs a bench body on a Postgres + Redis stack of its own (see test/support/node) and
 * exits 0, or 1 with the error printed; it stops what the body started and drops the database.
 */
export function runBench(
  body: (ctx: BenchContext) => Promise<void>,
  opts: { worker?: boolean } = {},
): void {
  const main = async () => {
    await ensureServices();
    const stack = await createTestStack("postgres", { redis: true, worker: opts.worker });
    const started: { stop(): Promise<void> }[] = [];
    const db = createDb({ databaseUrl: stack.env.DATABASE_URL, poolMax: 4 });
    try {
      await body({ stack, db, started });
    } finally {
      for (const s of started.reverse()) await s.stop().catch(() => {});
      await db.close().catch(() => {});
      await stack.close().catch(() => {});
    }
  };
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
