/** Latency statistics and the small table every bench prints. */

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The `p`-th percentile (0..100) of ascending `sorted`, nearest-rank. */
export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(samples: number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const values = Array.from(sorted);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    count: values.length,
    p50: round(percentile(values, 50)),
    p90: round(percentile(values, 90)),
    p99: round(percentile(values, 99)),
    max: round(values.at(-1) ?? Number.NaN),
    mean: round(values.reduce((a, b) => a + b, 0) / (values.length || 1)),
  };
}

/** Prints rows as an aligned text table, columns in the order of the first row's keys. */
export function printTable(title: string, rows: Record<string, string | number>[]): void {
  if (!rows.length) return;
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((row) => columns.map((c) => String(row[c] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padStart(widths[i]!)).join("  ");
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of cells) console.log(line(row));
}

/**
 * Runs `floor` and `engunity` alternately, A B A B, `runs` times each, so drift on a
 * shared box hits both sides alike; returns each side's results in run order.
 */
export function alternate<F, E>(
  runs: number,
  floor: (run: number) => Promise<F>,
  engunity: (run: number) => Promise<E>,
): Promise<{ floor: F[]; engunity: E[] }> {
  return alternateAll(runs, { floor, engunity });
}

/**
 * `alternate` for any number of sides (A B C A B C …, in the order of `sides`' keys):
 * each side's results in run order.
 */
export async function alternateAll<T extends Record<string, (run: number) => Promise<unknown>>>(
  runs: number,
  sides: T,
): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>>[] }> {
  const out = Object.fromEntries(Object.keys(sides).map((k) => [k, [] as unknown[]]));
  for (let run = 0; run < runs; run++) {
    for (const [k, side] of Object.entries(sides)) out[k]!.push(await side(run));
  }
  return out as { [K in keyof T]: Awaited<ReturnType<T[K]>>[] };
}
