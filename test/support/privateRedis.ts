import { type ChildProcess, spawn } from "node:child_process";
import { fixedPort, portOpen } from "./ports";

/**
 * A Redis server of one test's own, to kill and restart without touching the shared
 * one other suites use. Its port is picked below Linux's ephemeral range (32768+), so
 * while it is down no `listen(0)` elsewhere in the run can be handed the same port.
 */
export interface PrivateRedis {
  port: number;
  url: string;
  /** SIGKILL: no save, connections cut. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
}

export interface PrivateRedisOptions {
  /**
   * Keep an append-only file in this directory (fsync on every write), as production
   * runs it: a restart then loses no queued job. Without it a restart empties Redis.
   */
  aofDir?: string;
}

/** Spawns redis-server on `port`; resolves once it answers, rejects if it exits first. */
async function spawnRedis(
  port: number,
  opts: PrivateRedisOptions,
  timeoutMs = 10_000,
): Promise<ChildProcess> {
  const persistence = opts.aofDir
    ? ["--appendonly", "yes", "--appendfsync", "always", "--dir", opts.aofDir]
    : ["--appendonly", "no"];
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on ${port} exited (${child.exitCode ?? child.signalCode})`);
    }
    if (await portOpen(port)) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`redis-server on ${port} did not answer within ${timeoutMs} ms`);
}

export async function startPrivateRedis(opts: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 20 && !child; attempt++) {
    const candidate = await fixedPort();
    child = await spawnRedis(candidate, opts).catch(() => undefined);
    port = candidate;
  }
  if (!child) throw new Error("could not start a private redis-server");
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once("exit", resolve));
    current.kill("SIGKILL");
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      await kill();
      child = await spawnRedis(port, opts);
    },
  };
}
