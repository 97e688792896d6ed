import type { Db } from "../../index";
import { type AnalyticsFilter, num, numOrNull, Sql, union } from "./sql";

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}
export interface LatencyRow {
  provider: string;
  model: string;
  answers: number;
  ttftMs: Percentiles;
  durationMs: Percentiles;
  /** False when the percentiles come from the rollup's histogram (within 1/32 of the exact value). */
  exact: boolean;
}

/**
 * Up to this many answers in the range, percentiles are exact (percentile_cont over the
 * raw rows); above it they come from the rollup's histogram, whose error is bounded by
 * the bin width: under 1/32 (3.1 %) of the value, and exact below 64 ms.
 */
export const EXACT_PERCENTILES_UP_TO = 20_000;

const MEASURES = { t: "ttft_ms", d: "duration_ms" } as const;
type Measure = keyof typeof MEASURES;

/**
 * A log-linear histogram bin of an integer millisecond column, as SQL: values under
 * 64 are their own bin; above, each power of two is cut into 32 equal bins
 * (HdrHistogram-like). The bins are contiguous and increase with the value.
 */
export function binSql(column: string): string {
  const steps = [`WHEN ${column} < 64 THEN ${column}`];
  for (let e = 6; e < 31; e++) {
    const s = e - 5;
    steps.push(`WHEN ${column} < ${2 ** (e + 1)} THEN ${32 * s} + (${column} >> ${s})`);
  }
  return `CASE WHEN ${column} < 0 THEN 0 ${steps.join(" ")} ELSE ${32 * 26} + (${column} >> 26) END`;
}

/** A bin's lowest value and width (inverse of `binSql`). */
export function binRange(bin: number): { lower: number; width: number } {
  if (bin < 64) return { lower: bin, width: 1 };
  const s = Math.floor(bin / 32) - 1;
  return { lower: (bin - 32 * s) * 2 ** s, width: 2 ** s };
}

/** percentile_cont over a histogram: values spread evenly inside each bin. */
export function histogramPercentiles(bins: Map<number, number>): Percentiles {
  const sorted = [...bins].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const n = sorted.reduce((acc, [, c]) => acc + c, 0);
  if (n === 0) return { p50: null, p95: null, p99: null };
  const at = (rank: number): number => {
    let before = 0;
    for (const [bin, count] of sorted) {
      if (rank < before + count) {
        const { lower, width } = binRange(bin);
        return width === 1 ? lower : lower + ((rank - before + 0.5) * width) / count;
      }
      before += count;
    }
    return binRange(sorted.at(-1)![0]).lower;
  };
  const pick = (p: number) => {
    const pos = p * (n - 1);
    const lo = Math.floor(pos);
    const v = at(lo);
    return lo === pos ? v : v + (at(lo + 1) - v) * (pos - lo);
  };
  return { p50: pick(0.5), p95: pick(0.95), p99: pick(0.99) };
}

/** Response time and time to first token, p50/p95/p99, by provider and model. */
export async function latencyByModel(db: Db, f: AnalyticsFilter): Promise<LatencyRow[]> {
  const q = new Sql(db, f);
  const model = "COALESCE(ai_model, '')";
  const parts = (measures: ("a" | Measure)[]) => {
    const raw = measures.flatMap((m) =>
      m === "a"
        ? q.raw(
            "chat_messages",
            q.answerConditions(),
            (from) => `SELECT ai_provider AS provider, ${model} AS model, 'a' AS measure, 0 AS bin,
              COUNT(*) AS n ${from} GROUP BY 1, 2`,
          )
        : q.raw(
            "chat_messages",
            [...q.answerConditions(), `${MEASURES[m]} IS NOT NULL`],
            (from) => `SELECT ai_provider AS provider, ${model} AS model, '${m}' AS measure,
              ${binSql(MEASURES[m])} AS bin, COUNT(*) AS n ${from} GROUP BY 1, 2, 4`,
          ),
    );
    const rolled = q.rollup(
      "analytics_latency",
      [...q.rollupConditions(), `measure IN (${measures.map((m) => `'${m}'`).join(", ")})`],
      (from) => `SELECT provider, model, measure, bin, SUM(n) AS n ${from} GROUP BY 1, 2, 3, 4`,
    );
    return q.rows(`SELECT provider, model, measure, bin, SUM(n) AS n
      FROM ${union([...raw, ...rolled])} GROUP BY 1, 2, 3, 4`);
  };
  // How many answers first (cheap): few enough, and the exact percentiles are cheap too.
  const counts = await parts(["a"]);
  const total = counts.reduce((acc, r) => acc + num(r.n), 0);
  if (total <= (f.exactPercentilesUpTo ?? EXACT_PERCENTILES_UP_TO)) {
    return byModel(await exactLatency(q));
  }
  const rows = [...counts, ...(await parts(["t", "d"]))];
  const groups = new Map<string, { answers: number } & Record<Measure, Map<number, number>>>();
  for (const r of rows) {
    const key = `${r.provider}\u0000${r.model}`;
    const g = groups.get(key) ?? { answers: 0, t: new Map(), d: new Map() };
    if (r.measure === "a") g.answers += num(r.n);
    else g[r.measure as Measure].set(num(r.bin), num(r.n));
    groups.set(key, g);
  }
  return byModel(
    [...groups].map(([key, g]) => {
      const [provider = "", model = ""] = key.split("\u0000");
      return {
        provider,
        model,
        answers: g.answers,
        ttftMs: histogramPercentiles(g.t),
        durationMs: histogramPercentiles(g.d),
        exact: false,
      };
    }),
  );
}

const byModel = (rows: LatencyRow[]) =>
  rows.sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));

/** Exact percentiles over the raw rows of the whole range. */
async function exactLatency(q: Sql): Promise<LatencyRow[]> {
  const where = [...q.answerConditions(), "created_at >= :from", "created_at < :to"].join(" AND ");
  if (q.pg) {
    // One scan, one sort per measure; percentile_cont skips NULLs.
    const rows = await q.rows(`
      SELECT ai_provider AS provider, ai_model AS model, COUNT(*) AS n,
        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ttft_ms) AS t,
        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS d
      FROM chat_messages WHERE ${where}
      GROUP BY ai_provider, ai_model ORDER BY 1, 2`);
    const three = (v: unknown): Percentiles => {
      const a = Array.isArray(v) ? v : [null, null, null];
      return { p50: numOrNull(a[0]), p95: numOrNull(a[1]), p99: numOrNull(a[2]) };
    };
    return rows.map((r) => ({
      provider: String(r.provider),
      model: String(r.model ?? ""),
      answers: num(r.n),
      ttftMs: three(r.t),
      durationMs: three(r.d),
      exact: true,
    }));
  }
  // SQLite: percentile_cont by hand, the value at rank p·(n−1) interpolated between neighbours.
  const pick = (p: number, m: Measure) => {
    const pos = `(${p} * (n_${m} - 1))`;
    const lo = `CAST(${pos} AS INTEGER)`;
    const hi = `(${lo} + (${pos} > ${lo}))`;
    const v = (rank: string) => `MAX(CASE WHEN rn_${m} = ${rank} THEN ${MEASURES[m]} END)`;
    return `${v(lo)} + (${v(hi)} - ${v(lo)}) * (MAX(${pos}) - MAX(${lo}))`;
  };
  const window = (m: Measure) => {
    const part = `PARTITION BY ai_provider, ai_model, ${MEASURES[m]} IS NULL`;
    return `ROW_NUMBER() OVER (${part} ORDER BY ${MEASURES[m]}) - 1 AS rn_${m},
      COUNT(${MEASURES[m]}) OVER (PARTITION BY ai_provider, ai_model) AS n_${m}`;
  };
  const cols = (["t", "d"] as const).flatMap((m) =>
    ["0.5", "0.95", "0.99"].map((p, i) => `${pick(Number(p), m)} AS ${m}${i}`),
  );
  const rows = await q.rows(`
    WITH s AS (SELECT ai_provider, ai_model, ttft_ms, duration_ms, ${window("t")}, ${window("d")}
      FROM chat_messages WHERE ${where})
    SELECT ai_provider AS provider, ai_model AS model, COUNT(*) AS n, ${cols.join(", ")}
    FROM s GROUP BY ai_provider, ai_model ORDER BY 1, 2`);
  const three = (r: (typeof rows)[number], m: Measure): Percentiles => ({
    p50: numOrNull(r[`${m}0`]),
    p95: numOrNull(r[`${m}1`]),
    p99: numOrNull(r[`${m}2`]),
  });
  return rows.map((r) => ({
    provider: String(r.provider),
    model: String(r.model ?? ""),
    answers: num(r.n),
    ttftMs: three(r, "t"),
    durationMs: three(r, "d"),
    exact: true,
  }));
}
