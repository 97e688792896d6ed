import { QueryTypes } from "sequelize";
import type { Db } from "../../index";

/**
 * What every panel is asked for. Provider and model narrow the AI panels; the user
 * narrows every panel. `rolledUpTo` (from `refreshAnalyticsRollup`) lets a panel read
 * whole UTC days before it from the rollup (migration 009); without it, or with a user
 * filter (the rollup has no per-user split of every panel), panels read raw rows.
 */
export interface AnalyticsFilter {
  from: Date;
  to: Date;
  /** IANA zone of the viewer: days and the heatmap are in this zone. */
  tz: string;
  provider?: string;
  model?: string;
  userId?: string;
  /** Epoch day (UTC) the rollup reaches: days before it are summed there. */
  rolledUpTo?: number | null;
  /** Percentiles stay exact up to this many answers (default in latency.ts). */
  exactPercentilesUpTo?: number;
}

export type Row = Record<string, unknown>;

export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
export const numOrNull = (v: unknown): number | null =>
  v === null || v === undefined ? null : Number(v);

export const QUARTER_MS = 900_000;
export const DAY_MS = 86_400_000;
export const QUARTERS_PER_DAY = 96;

/** The zone's UTC offset (minutes) at `at`. */
export function tzOffsetMinutes(tz: string, at: Date): number {
  const parts = formatter("offset", tz, {
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return Math.round((local - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

/** True when `tz` is a zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** `YYYY-MM-DD` of `at` in `tz`. */
function localDate(tz: string, at: Date): string {
  return formatter(
    "date",
    tz,
    { year: "numeric", month: "2-digit", day: "2-digit" },
    "en-CA",
  ).format(at);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Formatters are costly to build (about a millisecond): one per use and zone. */
export function formatter(
  use: string,
  tz: string,
  options: Intl.DateTimeFormatOptions,
  locale = "en-US",
): Intl.DateTimeFormat {
  const key = `${use}\u0000${tz}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone: tz });
    if (formatters.size > 1000) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

/**
 * The viewer's calendar days that meet [from, to): each label with the quarter
 * (epoch ms / 15 min) it starts at, daylight saving included.
 */
export function zoneDays(tz: string, from: Date, to: Date): { label: string; startQ: number }[] {
  const out: { label: string; startQ: number }[] = [];
  let label = localDate(tz, from);
  for (;;) {
    const [y, m, d] = label.split("-").map(Number) as [number, number, number];
    // Local midnight: UTC midnight shifted by the offset, settled once for a change in between.
    let start =
      Date.UTC(y, m - 1, d) - tzOffsetMinutes(tz, new Date(Date.UTC(y, m - 1, d))) * 60_000;
    start = Date.UTC(y, m - 1, d) - tzOffsetMinutes(tz, new Date(start)) * 60_000;
    if (start >= to.getTime()) break;
    out.push({ label, startQ: Math.floor(start / QUARTER_MS) });
    label = localDate(tz, new Date(Date.UTC(y, m - 1, d + 1, 12)));
  }
  return out;
}

/** A quarter-hour's zone day: a balanced CASE over the day starts (labels are fixed strings). */
export function zoneDayCase(days: { label: string; startQ: number }[], q: string): string {
  const build = (lo: number, hi: number): string => {
    if (hi - lo === 1) return `'${days[lo]!.label}'`;
    const mid = (lo + hi) >> 1;
    return `CASE WHEN ${q} < ${days[mid]!.startQ} THEN ${build(lo, mid)} ELSE ${build(mid, hi)} END`;
  };
  return days.length === 0 ? "NULL" : build(0, days.length);
}

/**
 * The range split three ways: raw rows before the first whole UTC day, whole UTC days
 * in the rollup, raw rows after the watermark (the live tail) or the last whole day.
 */
export interface Segments {
  /** Raw time ranges [from, to). */
  raw: [Date, Date][];
  /** Rollup epoch days [fromDay, toDay), or null when none is read. */
  days: [number, number] | null;
}

export function segmentsOf(f: AnalyticsFilter): Segments {
  const all: Segments = { raw: [[f.from, f.to]], days: null };
  if (f.rolledUpTo === undefined || f.rolledUpTo === null || f.userId) return all;
  const a = Math.ceil(f.from.getTime() / DAY_MS);
  const b = Math.min(Math.floor(f.to.getTime() / DAY_MS), f.rolledUpTo);
  if (a >= b) return all;
  const raw: [Date, Date][] = [];
  if (f.from.getTime() < a * DAY_MS) raw.push([f.from, new Date(a * DAY_MS)]);
  if (b * DAY_MS < f.to.getTime()) raw.push([new Date(b * DAY_MS), f.to]);
  return { raw, days: [a, b] };
}

/** A timestamp column's quarter-hour (epoch seconds / 900) as an integer. */
export function quarterSql(db: Db, column = "created_at"): string {
  return db.dialect === "postgres"
    ? `CAST(FLOOR(EXTRACT(EPOCH FROM ${column}) / 900) AS BIGINT)`
    : `(CAST(strftime('%s', ${column}) AS INTEGER) / 900)`;
}

/** SQL text for one query, with its named replacements (never user text in the SQL). */
export class Sql {
  readonly replacements: Record<string, unknown> = {};
  readonly segments: Segments;
  constructor(
    readonly db: Db,
    readonly f: AnalyticsFilter,
  ) {
    this.segments = segmentsOf(f);
    this.replacements.from = f.from;
    this.replacements.to = f.to;
    this.segments.raw.forEach(([from, to], i) => {
      this.replacements[`from${i}`] = from;
      this.replacements[`to${i}`] = to;
    });
    if (f.provider) this.replacements.provider = f.provider;
    if (f.model) this.replacements.model = f.model;
    if (f.userId) this.replacements.userId = f.userId;
  }
  get pg() {
    return this.db.dialect === "postgres";
  }
  /** The row's quarter-hour (epoch seconds / 900) as an integer. */
  quarter(column = "created_at"): string {
    return quarterSql(this.db, column);
  }
  #days?: { label: string; startQ: number }[];
  /** The viewer's days that meet the range (see `zoneDays`). */
  get days() {
    this.#days ??= zoneDays(this.f.tz, this.f.from, this.f.to);
    return this.#days;
  }
  /** The zone day label of a quarter expression, for the filter's range. */
  zoneDay(q: string): string {
    return zoneDayCase(this.days, q);
  }
  /** Answers: the predicate of the partial index the scans read (migration 008). */
  answerConditions(): string[] {
    const c = ["ai_provider IS NOT NULL"];
    if (this.f.provider) c.push("ai_provider = :provider");
    if (this.f.model) c.push("ai_model = :model");
    if (this.f.userId) c.push("asker_id = :userId");
    return c;
  }
  /** What people wrote. */
  writtenConditions(): string[] {
    const c = ["role = 'user'"];
    if (this.f.userId) c.push("author_id = :userId");
    return c;
  }
  /** Provider/model conditions on a rollup table's columns. */
  rollupConditions(): string[] {
    const c: string[] = [];
    if (this.f.provider) c.push("provider = :provider");
    if (this.f.model) c.push("model = :model");
    return c;
  }
  /**
   * `select` over each raw time segment (one index range scan each), glued with
   * UNION ALL. `select` gets the WHERE clause to use.
   */
  raw(table: string, conditions: string[], select: (where: string) => string): string[] {
    return this.segments.raw.map((_, i) =>
      select(
        `FROM ${table} WHERE ${[...conditions, `created_at >= :from${i}`, `created_at < :to${i}`].join(" AND ")}`,
      ),
    );
  }
  /** `select` over the rollup's days, or nothing when the range reads none. */
  rollup(
    table: string,
    conditions: string[],
    select: (where: string) => string,
    dayColumn: "day" | "q" = "day",
  ): string[] {
    const d = this.segments.days;
    if (!d) return [];
    const [a, b] = dayColumn === "q" ? [d[0] * QUARTERS_PER_DAY, d[1] * QUARTERS_PER_DAY] : d;
    return [
      select(
        `FROM ${table} WHERE ${[...conditions, `${dayColumn} >= ${a}`, `${dayColumn} < ${b}`].join(" AND ")}`,
      ),
    ];
  }
  async rows(sql: string): Promise<Row[]> {
    return this.db.sequelize.query<Row>(sql, {
      type: QueryTypes.SELECT,
      replacements: this.replacements,
    });
  }
}

/** UNION ALL of parts as one derived table. */
export const union = (parts: string[]): string => `(${parts.join("\n UNION ALL ")}) src`;

/** How many rows a "top" table shows at most. */
export const TOP_ROWS = 50;

export async function usernames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const users = await db.models.User.findAll({
    where: { id: ids },
    attributes: ["id", "username"],
    raw: true,
  });
  return new Map(users.map((u) => [u.id, u.username]));
}
