import { execSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { Socket } from "node:net";

export const PG_ADMIN_URL = process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function portOpen(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

async function waitForPort(port: number, seconds: number): Promise<boolean> {
  for (let i = 0; i < seconds * 4; i++) {
    if (await portOpen(port)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function has(cmd: string): boolean {
  try {
    execSync(`command -v ${cmd}`, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

async function ensurePostgres(): Promise<void> {
  if (await portOpen(5432)) return;
  if (!has("pg_ctlcluster")) {
    throw new Error(
      "PostgreSQL is not installed: apt-get install -y postgresql (tests need it on 127.0.0.1:5432, trust auth)",
    );
  }
  const version = readdirSync("/etc/postgresql")[0];
  execSync(`pg_ctlcluster --skip-systemctl-redirect ${version} main start`, { stdio: "inherit" });
  if (!(await waitForPort(5432, 30)))
    throw new Error("PostgreSQL was started but does not answer on 127.0.0.1:5432");
}

async function ensureRedis(): Promise<void> {
  if (await portOpen(6379)) return;
  if (!has("redis-server")) {
    throw new Error(
      "Redis is not installed: apt-get install -y redis-server (tests need it on 127.0.0.1:6379)",
    );
  }
  execSync(
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no',
    { stdio: "inherit" },
  );
  if (!(await waitForPort(6379, 15)))
    throw new Error("Redis was started but does not answer on 127.0.0.1:6379");
}

export async function ensureServices(): Promise<void> {
  await ensurePostgres();
  await ensureRedis();
}
