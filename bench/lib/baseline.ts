/**
 * "The previous main's figure where the comparison is with ourselves": bench/baseline.json,
 * committed, written by `npm run bench -- --save-baseline` from a run's rows. Each bench's
 * rows are kept with the run they came from (when, which commit, quick or full, the
 * box's load), so a run of one bench replaces that bench's rows only. The suite's table
 * then shows, for every row whose measure the baseline holds, the previous median (and
 * its ratio to the floor) and this run's median ÷ it.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { machineInfo, type Previous, type ScoredRow } from "./results";

export const BASELINE_FILE = resolve(import.meta.dirname, "../baseline.json");

/** One measure as the baseline keeps it. */
export interface BaselineRow {
  measure: string;
  unit: string;
  engunityMedian: number;
  floorMedian?: number;
  ratio?: number;
  runs: number;
}

/** The rows of one bench and the run they came from. */
export interface BaselineBench {
  at: string;
  commit: string;
  quick: boolean;
  loadAverage: number[];
  rows: BaselineRow[];
}

export interface Baseline {
  note: string;
  benches: Record<string, BaselineBench>;
}

export function loadBaseline(file = BASELINE_FILE): Baseline | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as Baseline;
}

const commitOf = () =>
  spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim() ||
  "unknown";

/**
 * Writes this run's rows into the baseline (replacing the benches that ran, keeping
 * the others) with `note` saying where the figures come from.
 */
export function saveBaseline(
  rows: ScoredRow[],
  opts: {
    at: Date;
    quick: boolean;
    note: string;
    file?: string;
    /** The load average as each bench ended (the box's at the time of saving if absent). */
    loads?: Record<string, number[]>;
  },
): string {
  const file = opts.file ?? BASELINE_FILE;
  const baseline: Baseline = loadBaseline(file) ?? { note: opts.note, benches: {} };
  baseline.note = opts.note;
  const commit = commitOf();
  const { loadAverage } = machineInfo();
  for (const bench of new Set(rows.map((r) => r.bench))) {
    baseline.benches[bench] = {
      at: opts.at.toISOString(),
      commit,
      quick: opts.quick,
      loadAverage: opts.loads?.[bench] ?? loadAverage,
      rows: rows
        .filter((r) => r.bench === bench)
        .map((r) => ({
          measure: r.measure,
          unit: r.unit,
          engunityMedian: r.engunityMedian,
          floorMedian: r.floorMedian,
          ratio: r.ratio,
          runs: r.engunity.length,
        })),
    };
  }
  writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
  return file;
}

/** The baseline's figure for each row that has one (same bench, same measure). */
export function withPrevious(rows: ScoredRow[], baseline: Baseline | undefined): ScoredRow[] {
  if (!baseline) return rows;
  return rows.map((r) => {
    const bench = baseline.benches[r.bench];
    const prev = bench?.rows.find((p) => p.measure === r.measure && p.unit === r.unit);
    if (!bench || !prev || !Number.isFinite(prev.engunityMedian)) return r;
    const previous: Previous = {
      engunityMedian: prev.engunityMedian,
      ratio: prev.ratio ?? undefined,
      change: r.engunityMedian / prev.engunityMedian,
      quick: bench.quick,
    };
    return { ...r, previous };
  });
}
