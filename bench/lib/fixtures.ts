/** What every bench shares: argument parsing, socket connects, batched setup, bench users, node pairs. */
import { signAccessToken } from "@engunity/core";
import type { Db } from "@engunity/db";
import { io, type Socket } from "socket.io-client";
import { type ProcessNode, startProcessNode } from "../../test/support/processNode";
import { REDIS_URL } from "../../test/support/services";

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
): Promise<[ProcessNode, ProcessNode]> {
  const a = await startProcessNode({ ...env, LOG_LEVEL: "info" });
  started.push(a);
  const b = await startProcessNode({ ...env, LOG_LEVEL: "info" });
  started.push(b);
  return [a, b];
}

/** Two bare Socket.IO + redis-adapter servers: the floor of the stack. */
export async function startBarePair(
  redisPrefix: string,
  started: { stop(): Promise<void> }[],
  extraEnv: Record<string, string> = {},
): Promise<[ProcessNode, ProcessNode]> {
  const env = { REDIS_URL, BARE_KEY: `${redisPrefix}:bare`, ...extraEnv };
  const a = await startProcessNode(env, { script: "bench/lib/bareServer.ts" });
  started.push(a);
  const b = await startProcessNode(env, { script: "bench/lib/bareServer.ts" });
  started.push(b);
  return [a, b];
}
