import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

const REPO_ROOT = resolve(import.meta.dirname, "../..");

/** An Engunity process (or another script) running as a child, so a test can kill it for real. */
export interface ChildHandle {
  child: ChildProcess;
  /** Its log lines so far (JSON, one per line), for failure messages. */
  logs: string[];
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** SIGKILL: no shutdown hooks, sockets cut. */
  kill(): Promise<void>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
}

export interface ProcessNode extends ChildHandle {
  url: string;
  port: number;
}

/** Settings every child gets unless the test overrides them: quiet enough, cheap hashing, no limits in the way. */
const CHILD_DEFAULTS = {
  LOG_LEVEL: "info",
  PASSWORD_HASH_COST: "10",
  MESSAGE_RATE_PER_SECOND: "1000",
  LOGIN_RATE_LIMIT: "1000",
  LOGIN_IP_RATE_PER_MINUTE: "100000",
  WRITE_RATE_PER_MINUTE: "100000",
};

/**
 * Spawns `node --import tsx <script>` and resolves once a log line makes `ready` return
 * a value; rejects if the process exits or stays silent for `timeoutMs`.
 */
export function spawnChild<T>(
  script: string,
  env: Record<string, string>,
  ready: (line: string) => T | undefined,
  timeoutMs = 60_000,
): Promise<ChildHandle & { ready: T }> {
  // EXEC_ARGV: node flags that NODE_OPTIONS refuses (`--cpu-prof`, for profiles).
  const flags = env.EXEC_ARGV?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...flags, "--import", "tsx", script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | NodeJS.Signals | null>((done) => {
    child.once("exit", (code, signal) => done(signal ?? code));
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  const handle: ChildHandle = {
    child,
    logs,
    exited,
    async kill() {
      if (alive()) child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (alive()) child.kill("SIGTERM");
      await exited;
    },
  };
  return new Promise((resolveStart, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`${script} did not start within ${timeoutMs} ms:\n${logs.slice(-20).join("\n")}`),
      );
    }, timeoutMs);
    void exited.then((how) => {
      clearTimeout(timer);
      if (!settled)
        reject(
          new Error(
            `${script} exited (${how}) before it was ready:\n${logs.slice(-20).join("\n")}`,
          ),
        );
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        logs.push(line);
        if (settled) return;
        const value = ready(line);
        if (value === undefined) return;
        settled = true;
        clearTimeout(timer);
        resolveStart({ ...handle, ready: value });
      });
    }
  });
}

/** The port in a node's "listening" JSON log line, if this is that line. */
function listeningPort(line: string): number | undefined {
  if (!line.includes("listening")) return undefined;
  try {
    const entry = JSON.parse(line) as { url?: string };
    return entry.url ? Number(new URL(entry.url).port) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts a realtime node as a child process (`ROLE=realtime`, `PORT=0`). Resolves once
 * the node logs that it is listening, with the port it chose. `script` runs another
 * server that logs the same line (the bench's bare Socket.IO floor).
 */
export async function startProcessNode(
  env: Record<string, string>,
  opts: { timeoutMs?: number; script?: string } = {},
): Promise<ProcessNode> {
  const started = await spawnChild(
    opts.script ?? "bin/engunity.ts",
    { ...CHILD_DEFAULTS, ROLE: "realtime", PORT: "0", HOST: "127.0.0.1", ...env },
    listeningPort,
    opts.timeoutMs,
  );
  return { ...started, port: started.ready, url: `http://127.0.0.1:${started.ready}` };
}

/**
 * A worker as a child process (`ROLE=worker`), so a test can `kill -9` it for real.
 * Resolves once it logs that the inference worker started.
 */
export function spawnWorkerProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ChildHandle> {
  return spawnChild(
    "bin/engunity.ts",
    { ...CHILD_DEFAULTS, ...env, ROLE: "worker" },
    (line) => (line.includes("inference worker started") ? true : undefined),
    timeoutMs,
  );
}
