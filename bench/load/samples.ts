/**
 * The load test's time series: every few seconds each process's RSS, V8 heap and
 * event-loop delay (lib/probe.mjs) and Redis's `used_memory` (the whole server: other
 * work's keys count too); plotted to PNG, and judged for drift.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { Redis } from "ioredis";
import type { ChildHandle } from "../../test/support/processNode";
import type { Chart, Series } from "../lib/plot";
import { type ProbeSample, probe } from "../lib/probe";

export interface Sample {
  /** Seconds since the series began. */
  t: number;
  probes: Record<string, ProbeSample>;
  redisMB: number;
  /** Users connected when it was taken. */
  users: number;
}

/** The name of the load generator's own reading: its sockets run on the same box as the servers. */
export const CLIENTS = "clients (bench)";
const ownLag = monitorEventLoopDelay({ resolution: 10 });
ownLag.enable();

/** The bench process read as lib/probe.mjs reads a server: a saturated load generator shows here. */
function probeSelf(): ProbeSample {
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const sample = {
    heapUsed: mem.heapUsed,
    rss: mem.rss,
    cpuMs: (cpu.user + cpu.system) / 1000,
    lagP99Ms: ownLag.percentile(99) / 1e6,
    lagMaxMs: ownLag.max / 1e6,
  };
  ownLag.reset();
  return sample;
}

/** Reads every process (and the bench's own, as CLIENTS) and Redis once. */
export async function takeSample(
  processes: Record<string, ChildHandle>,
  redis: Redis,
  t0: number,
  users: number,
): Promise<Sample> {
  const probes: Record<string, ProbeSample> = {};
  for (const [name, handle] of Object.entries(processes)) probes[name] = await probe(handle);
  probes[CLIENTS] = probeSelf();
  const info = await redis.info("memory");
  const redisBytes = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  return { t: (performance.now() - t0) / 1000, probes, redisMB: redisBytes / 2 ** 20, users };
}

/** RSS, heap, event-loop delay per process and Redis memory; with `users`, the load too. */
export function sampleCharts(
  samples: Sample[],
  names: string[],
  opts: { users?: boolean } = {},
): Chart[] {
  const series = (pick: (p: ProbeSample) => number): Series[] =>
    names.map((name) => ({
      name,
      points: samples.map((s) => [s.t, pick(s.probes[name]!)] as [number, number]),
    }));
  const charts: Chart[] = [
    { title: "RSS", unit: "MB", series: series((p) => p.rss / 2 ** 20) },
    { title: "V8 heap used", unit: "MB", series: series((p) => p.heapUsed / 2 ** 20) },
    { title: "event-loop delay p99", unit: "ms", series: series((p) => p.lagP99Ms) },
    {
      title: "Redis used memory",
      unit: "MB",
      series: [{ name: "redis", points: samples.map((s) => [s.t, s.redisMB] as [number, number]) }],
    },
  ];
  if (opts.users)
    charts.push({
      title: "simulated users",
      unit: "users",
      series: [{ name: "users", points: samples.map((s) => [s.t, s.users] as [number, number]) }],
    });
  return charts;
}

/**
 * "Flat": the median of the last quarter of the samples over the second quarter's, for
 * the process where it grew most (the first quarter is warm-up). NaN under 4 samples.
 */
export function drift(
  samples: Sample[],
  names: string[],
  pick: (p: ProbeSample) => number,
): number {
  const q = Math.floor(samples.length / 4);
  if (q < 1) return Number.NaN;
  const mid = (from: number, to: number, name: string) => {
    const v = samples
      .slice(from, to)
      .map((s) => pick(s.probes[name]!))
      .sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)]!;
  };
  return Math.max(...names.map((n) => mid(3 * q, samples.length, n) / mid(q, 2 * q, n)));
}
