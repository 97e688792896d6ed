import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { type Config, createLogger } from "@engunity/core";
import type { RealtimeNode } from "@engunity/realtime";
import { startWorker, type WorkerHandle } from "@engunity/workers";

const REPO_ROOT = resolve(import.meta.dirname, "../..");

/**
 * An inference worker in this process next to `node` (ROLE=all semantics): it shares
 * the node's database and, in embedded mode, its rooms.
 */
export async function startInProcessWorker(
  node: RealtimeNode,
  overrides: Partial<Config> = {},
): Promise<WorkerHandle> {
  const config: Config = { ...node.ctx.config, ...overrides };
  return startWorker(config, {
    logger: createLogger(config.LOG_LEVEL),
    db: node.ctx.db,
    emitter: { to: (room) => node.ctx.emitter.to(room) },
    registry: node.ctx.metrics.registry,
  });
}

export interface WorkerProcess {
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | NodeJS.Signals | null>;
  /** SIGKILL: no shutdown hooks; its job is left to BullMQ's stall check. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A worker as a child process (`ROLE=worker`), so a test can `kill -9` it for real.
 * Resolves once it logs that the inference worker started.
 */
export function spawnWorkerProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "bin/engunity.ts"], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      LOG_LEVEL: "info",
      ...env,
      ROLE: "worker",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | NodeJS.Signals | null>((done) => {
    child.once("exit", (code, signal) => done(signal ?? code));
  });
  const handle: WorkerProcess = {
    child,
    logs,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`worker did not start within ${timeoutMs} ms:\n${logs.slice(-20).join("\n")}`),
      );
    }, timeoutMs);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${how}) before starting:\n${logs.slice(-20).join("\n")}`));
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        logs.push(line);
        if (line.includes("inference worker started")) {
          clearTimeout(timer);
          resolveStart(handle);
        }
      });
    }
  });
}
