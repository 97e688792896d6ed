import { type ChildProcess, spawn } from "node:child_process";
import { Socket } from "node:net";

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
  });
}

/** Ports handed out by `fixedPort` in this process, so two callers never get the same one. */
const taken = new Set<number>();

/**
 * A free loopback port below Linux's ephemeral range (32768+), for a server a test stops
 * and starts again on the same port: while it is down, no `listen(0)` elsewhere in the
 * run can be handed that port.
 */
export async function fixedPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(candidate) || (await portOpen(candidate))) continue;
    taken.add(candidate);
    return candidate;
  }
  throw new Error("no free port below the ephemeral range");
}

/**
 * Spawns a server and resolves once it accepts connections on `port`, with its logs and
 * a promise of its exit; if it exits or takes over 10 s first, kills it, runs `cleanup`
 * and throws with what it logged.
 */
export async function spawnListening(
  name: string,
  command: string,
  args: string[],
  port: number,
  cleanup: () => void,
): Promise<{ child: ChildProcess; logs: string[]; exited: Promise<void> }> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  const logs: string[] = [];
  child.stdout?.on("data", (d) => logs.push(String(d)));
  child.stderr?.on("data", (d) => logs.push(String(d)));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      cleanup();
      throw new Error(`${name} did not start:\n${logs.join("")}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { child, logs, exited };
}
