import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

const REPO_ROOT = resolve(import.meta.dirname, "../..");

export interface ProcessNode {
  url: string;
  port: number;
  child: ChildProcess;
  /** The node's log lines so far (JSON, one per line), for failure messages. */
  logs: string[];
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** SIGKILL: no shutdown hooks, sockets cut, heartbeat left to lapse. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

/**
 * Starts a realtime node as a child process (`node --import tsx bin/engunity.ts`,
 * `ROLE=realtime`, `PORT=0`), so a test can kill it for real. Resolves once the node
 * logs that it is listening, with the port it chose. `script` runs another server
 * that logs the same line (the bench's bare Socket.IO floor).
 */
export function startProcessNode(
  env: Record<string, string>,
  opts: { timeoutMs?: number; script?: string } = {},
): Promise<ProcessNode> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const child = spawn(process.execPath, ["--import", "tsx", opts.script ?? "bin/engunity.ts"], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      ROLE: "realtime",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      PASSWORD_HASH_COST: "10",
      MESSAGE_RATE_PER_SECOND: "1000",
      LOGIN_RATE_LIMIT: "1000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | NodeJS.Signals | null>((done) => {
    child.once("exit", (code, signal) => done(signal ?? code));
  });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`node did not start within ${timeoutMs} ms:\n${logs.slice(-20).join("\n")}`),
      );
    }, timeoutMs);
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`node exited (${how}) before listening:\n${logs.slice(-20).join("\n")}`));
    });
    createInterface({ input: child.stderr! }).on("line", (line) => logs.push(line));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      logs.push(line);
      if (!line.includes("listening")) return;
      let entry: { url?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (!entry.url) return;
      const port = Number(new URL(entry.url).port);
      clearTimeout(timer);
      resolvePromise({
        url: `http://127.0.0.1:${port}`,
        port,
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
      });
    });
  });
}
