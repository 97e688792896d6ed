import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";

export const RESULTS_DIR = resolve(import.meta.dirname, "../results");

/** Writes `bench/results/<name>.json` with the machine it ran on; returns the path. */
export function writeResult(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    /** Other work on the box skews every number here; this says how busy it was. */
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
  };
  writeFileSync(
    file,
    `${JSON.stringify({ name, at: new Date().toISOString(), machine, ...(data as object) }, null, 2)}\n`,
  );
  return file;
}
