import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";

export const RESULTS_DIR = resolve(import.meta.dirname, "../results");

/** The machine a run happened on; other work on the box skews every number, so its load too. */
export function machineInfo() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
  };
}

/** Writes `bench/results/<name>.json` with the machine it ran on; returns the path. */
export function writeResult(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ name, at: new Date().toISOString(), machine: machineInfo(), ...(data as object) }, null, 2)}\n`,
  );
  return file;
}

/**
 * What a goal compares: the ratio to the floor (Engunity ÷ floor, medians of the
 * alternated pairs) or Engunity's own median, against `value`.
 */
export interface Goal {
  of: "ratio" | "value";
  op: "<=" | ">=";
  value: number;
}

/** One line of the suite's table: Engunity's samples beside the floor's, taken in the same run. */
export interface SuiteRow {
  measure: string;
  unit: string;
  /** One sample per run (A B A B: engunity[i] was taken next to floor[i]). */
  engunity: number[];
  floor?: number[];
  /** What the floor is ("bare Socket.IO + redis adapter", "y-websocket", …). */
  floorName?: string;
  goal?: Goal;
  note?: string;
}

/** What a row of this run is compared with: the baseline's figure for the same measure (lib/baseline.ts). */
export interface Previous {
  engunityMedian: number;
  ratio?: number;
  /** This run's Engunity median ÷ the previous one. */
  change: number;
  /** Whether the previous figure came from a --quick run. */
  quick: boolean;
}

/** A row with its medians, ranges, ratio and verdict worked out. */
export interface ScoredRow extends SuiteRow {
  bench: string;
  engunityMedian: number;
  floorMedian?: number;
  ratio?: number;
  met?: boolean;
  previous?: Previous;
}

export function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

export function scoreRow(bench: string, row: SuiteRow): ScoredRow {
  const engunityMedian = median(row.engunity);
  const floorMedian = row.floor ? median(row.floor) : undefined;
  let ratio: number | undefined;
  if (row.floor?.length) {
    // Pairs taken side by side cancel the box's drift; fall back to medians if unpaired.
    ratio =
      row.floor.length === row.engunity.length
        ? median(row.engunity.map((e, i) => e / row.floor![i]!))
        : engunityMedian / floorMedian!;
  }
  let met: boolean | undefined;
  if (row.goal) {
    const x = row.goal.of === "ratio" ? ratio : engunityMedian;
    met =
      x !== undefined && Number.isFinite(x)
        ? row.goal.op === "<="
          ? x <= row.goal.value
          : x >= row.goal.value
        : false;
  }
  return { bench, ...row, engunityMedian, floorMedian, ratio, met };
}

/**
 * Hands a bench's rows to `bench/run.ts` (it sets BENCH_ROWS_FILE and merges every
 * bench's rows into one table) and prints them; a bench run on its own prints them too.
 */
export function reportRows(bench: string, rows: SuiteRow[]): ScoredRow[] {
  const scored = rows.map((r) => scoreRow(bench, r));
  console.log(formatSuiteTable(scored));
  const file = process.env.BENCH_ROWS_FILE;
  if (file) writeFileSync(file, `${JSON.stringify(scored, null, 2)}\n`);
  return scored;
}

function fmt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "—";
  const a = Math.abs(n);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
  return n.toLocaleString("en-US", { maximumFractionDigits: digits });
}

function cell(samples: number[] | undefined): string {
  if (!samples?.length) return "—";
  const finite = samples.filter(Number.isFinite);
  if (finite.length < 2) return fmt(median(samples));
  return `${fmt(median(samples))} (${fmt(Math.min(...finite))}–${fmt(Math.max(...finite))})`;
}

function goalText(goal: Goal | undefined, unit: string): string {
  if (!goal) return "—";
  return goal.of === "ratio"
    ? `ratio ${goal.op === "<=" ? "≤" : "≥"} ${goal.value}×`
    : `${goal.op === "<=" ? "≤" : "≥"} ${fmt(goal.value)} ${unit}`;
}

/** The previous figure, with its ratio to the floor when it had one. */
function previousCell(p: Previous | undefined): string {
  if (!p) return "—";
  const ratio = p.ratio !== undefined && Number.isFinite(p.ratio) ? ` (${fmt(p.ratio)}×)` : "";
  return `${fmt(p.engunityMedian)}${ratio}`;
}

/**
 * The suite's table as Markdown (it reads as text in a terminal too); with "previous"
 * and "vs previous" columns when any row has a baseline figure (lib/baseline.ts).
 */
export function formatSuiteTable(rows: ScoredRow[]): string {
  const withPrevious = rows.some((r) => r.previous);
  const lines = withPrevious
    ? [
        "| measure | Engunity | floor | ratio | runs | goal | met | previous (its ratio) | vs previous |",
        "|---|---|---|---|---|---|---|---|---|",
      ]
    : [
        "| measure | Engunity | floor | ratio | runs | goal | met |",
        "|---|---|---|---|---|---|---|",
      ];
  for (const r of rows) {
    const floor = cell(r.floor);
    const previous = withPrevious
      ? ` ${previousCell(r.previous)} | ${r.previous && Number.isFinite(r.previous.change) ? `${fmt(r.previous.change)}×` : "—"} |`
      : "";
    lines.push(
      `| ${r.measure}${r.unit ? ` (${r.unit})` : ""} | ${cell(r.engunity)} | ${floor} | ${r.ratio === undefined || !Number.isFinite(r.ratio) ? "—" : `${fmt(r.ratio)}×`} | ${r.engunity.length} | ${goalText(r.goal, r.unit)} | ${r.met === undefined ? "—" : r.met ? "met" : "**not met**"} |${previous}`,
    );
  }
  // Which floor each bench's rows are measured against.
  const floors = new Map<string, string>();
  for (const r of rows) if (r.floorName) floors.set(`${r.bench}: ${r.floorName}`, "");
  if (floors.size) lines.push("", `Floors — ${[...floors.keys()].join("; ")}.`);
  return lines.join("\n");
}
