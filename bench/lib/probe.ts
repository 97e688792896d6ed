/** Reading a child process through bench/lib/probe.mjs (heap, RSS, CPU, event-loop lag). */
import { resolve } from "node:path";
import type { ChildHandle } from "../../test/support/processNode";

const PROBE = resolve(import.meta.dirname, "probe.mjs");

/** Env that loads the probe into a child (`gc`: force a full GC before each reading). */
export function probeEnv(opts: { gc?: boolean } = {}): Record<string, string> {
  return { NODE_OPTIONS: `--import ${PROBE}`, BENCH_PROBE_GC: opts.gc ? "1" : "0" };
}

export interface ProbeSample {
  heapUsed: number;
  rss: number;
  cpuMs: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** The heap snapshot written with this reading (BENCH_PROBE_SNAPSHOT). */
  snapshot?: string;
}

/** Signals the child and resolves with the probe line it prints (10 s at most). */
export async function probe(handle: ChildHandle, timeoutMs = 10_000): Promise<ProbeSample> {
  const from = handle.logs.length;
  handle.child.kill("SIGUSR2");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (let i = from; i < handle.logs.length; i++) {
      const line = handle.logs[i]!;
      if (line.startsWith('{"msg":"probe"')) return JSON.parse(line) as ProbeSample;
    }
    if (Date.now() > deadline) throw new Error("the probe did not answer");
    await new Promise((r) => setTimeout(r, 20));
  }
}
