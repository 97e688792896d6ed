import { type ChildProcess, spawn } from "node:child_process";
import { Socket } from "node:net";

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

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
  });
}

/** Spawns redis-server on `port`; resolves once it answers, rejects if it exits first. */
async function spawnRedis(port: number, timeoutMs = 10_000): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
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

export async function startPrivateRedis(): Promise<PrivateRedis> {
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 20 && !child; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (await portOpen(candidate)) continue;
    child = await spawnRedis(candidate).catch(() => undefined);
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
      child = await spawnRedis(port);
    },
  };
}
