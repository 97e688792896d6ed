import { QueryTypes } from "sequelize";
import type { Db } from "../index";

/**
 * The admin dashboard's panels, each one SQL query over indexed columns (migration
 * 008), so each stays cheap at a million messages. Every panel takes the same filter;
 * provider and model narrow the AI panels, the user narrows every panel.
 */
export interface AnalyticsFilter {
  from: Date;
  to: Date;
  /** IANA zone of the viewer: days and the heatmap are in this zone. */
  tz: string;
  provider?: string;
  model?: string;
  userId?: string;
}

/** USD per million tokens, keyed `provider/model` or `model` (the first that matches wins). */
export type PriceTable = Record<string, { prompt: number; completion: number }>;

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
}
export interface TokenRow {
  promptTokens: number;
  completionTokens: number;
  /** USD, null when the price table does not list a model in the row. */
  cost: number | null;
}

type Row = Record<string, unknown>;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The zone's UTC offset (minutes) at `at`: what SQLite, without zone data, shifts by. */
export function tzOffsetMinutes(tz: string, at: Date): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
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

class Sql {
  readonly replacements: Record<string, unknown> = {};
  constructor(
    readonly db: Db,
    readonly f: AnalyticsFilter,
  ) {
    this.replacements.from = f.from;
    this.replacements.to = f.to;
    this.replacements.tz = f.tz;
    this.replacements.offset = `${tzOffsetMinutes(f.tz, f.from) >= 0 ? "+" : ""}${tzOffsetMinutes(f.tz, f.from)} minutes`;
    if (f.provider) this.replacements.provider = f.provider;
    if (f.model) this.replacements.model = f.model;
    if (f.userId) this.replacements.userId = f.userId;
  }
  get pg() {
    return this.db.dialect === "postgres";
  }
  /** The viewer's calendar day of `column`, for grouping (cheap per row). */
  day(column = "created_at"): string {
    // SQLite has no zone data: it shifts by the zone's offset at the range start.
    return this.pg
      ? `(${column} AT TIME ZONE :tz)::date`
      : `strftime('%Y-%m-%d', ${column}, :offset)`;
  }
  /** A grouped `day()` as `YYYY-MM-DD` (run on the grouped rows only). */
  dayLabel(column = "day"): string {
    return this.pg ? `to_char(${column}, 'YYYY-MM-DD')` : column;
  }
  /** Conditions on answers (assistant rows with AI columns). */
  answers(): string {
    // `ai_provider IS NOT NULL` is what makes a row an answer here, and the predicate
    // of the partial index the scan reads (migration 008).
    const c = ["ai_provider IS NOT NULL", "created_at >= :from", "created_at < :to"];
    if (this.f.provider) c.push("ai_provider = :provider");
    if (this.f.model) c.push("ai_model = :model");
    if (this.f.userId) c.push("asker_id = :userId");
    return c.join(" AND ");
  }
  /** Conditions on what people wrote. */
  userMessages(): string {
    const c = ["role = 'user'", "created_at >= :from", "created_at < :to"];
    if (this.f.userId) c.push("author_id = :userId");
    return c.join(" AND ");
  }
  async rows(sql: string): Promise<Row[]> {
    return this.db.sequelize.query<Row>(sql, {
      type: QueryTypes.SELECT,
      replacements: this.replacements,
    });
  }
}

/** The price of some tokens of one model, or null when the table does not list it. */
export function costOf(
  prices: PriceTable | undefined,
  provider: string,
  model: string,
  promptTokens: number,
  completionTokens: number,
): number | null {
  const price = prices?.[`${provider}/${model}`] ?? prices?.[model];
  if (!price) return null;
  return (promptTokens * price.prompt + completionTokens * price.completion) / 1_000_000;
}

/** Sums token rows that share `key`, pricing each provider/model part. */
function sumTokens<K extends string>(
  rows: Row[],
  keyOf: (r: Row) => K,
  prices: PriceTable | undefined,
): Map<K, TokenRow> {
  const out = new Map<K, TokenRow>();
  for (const r of rows) {
    const key = keyOf(r);
    const prompt = num(r.prompt);
    const completion = num(r.completion);
    const cost = costOf(prices, String(r.provider), String(r.model), prompt, completion);
    const acc = out.get(key) ?? { promptTokens: 0, completionTokens: 0, cost: 0 };
    acc.promptTokens += prompt;
    acc.completionTokens += completion;
    acc.cost = acc.cost === null || cost === null ? null : acc.cost + cost;
    out.set(key, acc);
  }
  return out;
}

async function percentilesOf(
  q: Sql,
  column: "ttft_ms" | "duration_ms",
): Promise<Map<string, Percentiles & { n: number }>> {
  // SQLite only (Postgres has percentile_cont, see latencyByModel).
  // percentile_cont by hand: the value at rank p·(n−1), interpolated between neighbours.
  const pick = (p: number) => {
    const pos = `(${p} * (n - 1))`;
    const lo = `CAST(${pos} AS INTEGER)`;
    const hi = `(${lo} + (${pos} > ${lo}))`;
    return `MAX(CASE WHEN rn = ${lo} THEN v END) + (MAX(CASE WHEN rn = ${hi} THEN v END) - MAX(CASE WHEN rn = ${lo} THEN v END)) * (MAX(${pos}) - MAX(${lo}))`;
  };
  const rows = await q.rows(`
    WITH s AS (
      SELECT ai_provider AS provider, ai_model AS model, ${column} AS v,
        ROW_NUMBER() OVER (PARTITION BY ai_provider, ai_model ORDER BY ${column}) - 1 AS rn,
        COUNT(*) OVER (PARTITION BY ai_provider, ai_model) AS n
      FROM chat_messages WHERE ${q.answers()} AND ${column} IS NOT NULL)
    SELECT provider, model, MAX(n) AS n, ${pick(0.5)} AS p50, ${pick(0.95)} AS p95, ${pick(0.99)} AS p99
    FROM s GROUP BY provider, model`);
  return new Map(
    rows.map((r) => [
      `${r.provider}\u0000${r.model}`,
      { n: num(r.n), p50: numOrNull(r.p50), p95: numOrNull(r.p95), p99: numOrNull(r.p99) },
    ]),
  );
}

/** Response time and time to first token, p50/p95/p99, by provider and model. */
export async function latencyByModel(db: Db, f: AnalyticsFilter): Promise<LatencyRow[]> {
  const q = new Sql(db, f);
  if (q.pg) {
    // One scan, one sort per measure; percentile_cont skips NULLs.
    const rows = await q.rows(`
      SELECT ai_provider AS provider, ai_model AS model, COUNT(*) AS n,
        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY ttft_ms) AS t,
        percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS d
      FROM chat_messages WHERE ${q.answers()}
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
    }));
  }
  const [ttft, duration] = await Promise.all([
    percentilesOf(q, "ttft_ms"),
    percentilesOf(q, "duration_ms"),
  ]);
  const none = { n: 0, p50: null, p95: null, p99: null };
  const keys = [...new Set([...ttft.keys(), ...duration.keys()])].sort();
  return keys.map((key) => {
    const [provider = "", model = ""] = key.split("\u0000");
    const t = ttft.get(key) ?? none;
    const d = duration.get(key) ?? none;
    return {
      provider,
      model,
      answers: Math.max(t.n, d.n),
      ttftMs: { p50: t.p50, p95: t.p95, p99: t.p99 },
      durationMs: { p50: d.p50, p95: d.p95, p99: d.p99 },
    };
  });
}

const tokenSums =
  "SUM(COALESCE(prompt_tokens, 0)) AS prompt, SUM(COALESCE(completion_tokens, 0)) AS completion";

/** Prompt and completion tokens per day (viewer's zone), with cost. */
export async function tokensByDay(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ day: string } & TokenRow)[]> {
  const q = new Sql(db, f);
  const rows = await q.rows(`
    SELECT ${q.dayLabel()} AS day, provider, model, prompt, completion FROM (
      SELECT ${q.day()} AS day, ai_provider AS provider, ai_model AS model, ${tokenSums}
      FROM chat_messages WHERE ${q.answers()} GROUP BY 1, 2, 3) x`);
  const sums = sumTokens(rows, (r) => String(r.day), prices);
  return [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([day, t]) => ({ day, ...t }));
}

/** Tokens per provider and model, with the number of answers and cost. */
export async function tokensByModel(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ provider: string; model: string; answers: number } & TokenRow)[]> {
  const q = new Sql(db, f);
  const rows = await q.rows(`
    SELECT ai_provider AS provider, ai_model AS model, COUNT(*) AS answers, ${tokenSums}
    FROM chat_messages WHERE ${q.answers()} GROUP BY 1, 2`);
  return rows
    .map((r) => {
      const prompt = num(r.prompt);
      const completion = num(r.completion);
      const provider = String(r.provider);
      const model = String(r.model ?? "");
      return {
        provider,
        model,
        answers: num(r.answers),
        promptTokens: prompt,
        completionTokens: completion,
        cost: costOf(prices, provider, model, prompt, completion),
      };
    })
    .sort((a, b) => b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens));
}

/** How many rows a "top" table shows at most. */
export const TOP_ROWS = 50;

/** Tokens per user who asked (top 50 by total), with cost. */
export async function tokensByUser(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ userId: string; username: string } & TokenRow)[]> {
  const q = new Sql(db, f);
  const rows = await q.rows(`
    SELECT asker_id AS key, ai_provider AS provider, ai_model AS model, ${tokenSums}
    FROM chat_messages WHERE ${q.answers()} AND asker_id IS NOT NULL GROUP BY 1, 2, 3`);
  const top = topOf(sumTokens(rows, (r) => String(r.key), prices));
  const names = await usernames(
    db,
    top.map(([id]) => id),
  );
  return top.map(([userId, t]) => ({ userId, username: names.get(userId) ?? "(deleted)", ...t }));
}

/** Tokens per session (top 50 by total), with cost. */
export async function tokensBySession(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ sessionId: string; title: string } & TokenRow)[]> {
  const q = new Sql(db, f);
  const rows = await q.rows(`
    SELECT session_id AS key, ai_provider AS provider, ai_model AS model, ${tokenSums}
    FROM chat_messages WHERE ${q.answers()} GROUP BY 1, 2, 3`);
  const top = topOf(sumTokens(rows, (r) => String(r.key), prices));
  const sessions = top.length
    ? await db.models.ChatSession.findAll({
        where: { id: top.map(([id]) => id) },
        attributes: ["id", "title"],
        raw: true,
      })
    : [];
  const titles = new Map(sessions.map((s) => [s.id, s.title]));
  return top.map(([sessionId, t]) => ({ sessionId, title: titles.get(sessionId) ?? "", ...t }));
}

function topOf<K>(sums: Map<K, TokenRow>): [K, TokenRow][] {
  return [...sums]
    .sort(
      ([, a], [, b]) => b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens),
    )
    .slice(0, TOP_ROWS);
}

async function usernames(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const users = await db.models.User.findAll({
    where: { id: ids },
    attributes: ["id", "username"],
    raw: true,
  });
  return new Map(users.map((u) => [u.id, u.username]));
}

/** Messages people wrote, per user (top 50). */
export async function messagesByUser(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ userId: string; username: string; messages: number }[]> {
  const q = new Sql(db, f);
  const rows = await q.rows(`
    SELECT author_id AS key, COUNT(*) AS messages FROM chat_messages
    WHERE ${q.userMessages()} AND author_id IS NOT NULL
    GROUP BY author_id ORDER BY messages DESC, author_id LIMIT ${TOP_ROWS}`);
  const names = await usernames(
    db,
    rows.map((r) => String(r.key)),
  );
  return rows.map((r) => ({
    userId: String(r.key),
    username: names.get(String(r.key)) ?? "(deleted)",
    messages: num(r.messages),
  }));
}

/** Users who wrote and sessions that got a message, per day (viewer's zone). */
export async function activityByDay(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ day: string; activeUsers: number; activeSessions: number }[]> {
  const q = new Sql(db, f);
  const rows = await q.rows(`
    SELECT ${q.dayLabel()} AS day, users, sessions FROM (
      SELECT ${q.day()} AS day, COUNT(DISTINCT author_id) AS users, COUNT(DISTINCT session_id) AS sessions
      FROM chat_messages WHERE ${q.userMessages()} GROUP BY 1) x ORDER BY day`);
  return rows.map((r) => ({
    day: String(r.day),
    activeUsers: num(r.users),
    activeSessions: num(r.sessions),
  }));
}

/** Width of the UTC buckets the heatmap is counted in: 15 minutes fits every zone offset. */
const BUCKET_SECONDS = 900;

/**
 * Messages people wrote by weekday × hour in the viewer's zone: `[weekday][hour]`,
 * weekday 0 = Monday. The database counts 15-minute UTC buckets (a bounded number of
 * rows); each bucket is placed in the zone here, daylight saving included.
 */
export async function usageHeatmap(db: Db, f: AnalyticsFilter): Promise<number[][]> {
  const q = new Sql(db, f);
  // Postgres: date_bin per row (about twice as fast as EXTRACT(EPOCH) arithmetic), the
  // epoch of each bin taken on the grouped rows only.
  const rows = q.pg
    ? await q.rows(`
      SELECT EXTRACT(EPOCH FROM b) / ${BUCKET_SECONDS} AS bucket, n FROM (
        SELECT date_bin('${BUCKET_SECONDS} seconds', created_at, TIMESTAMPTZ '1970-01-01 00:00:00+00') AS b, COUNT(*) AS n
        FROM chat_messages WHERE ${q.userMessages()} GROUP BY 1) x`)
    : await q.rows(`
      SELECT CAST(strftime('%s', created_at) AS INTEGER) / ${BUCKET_SECONDS} AS bucket, COUNT(*) AS n
      FROM chat_messages WHERE ${q.userMessages()} GROUP BY 1`);
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: f.tz,
    weekday: "short",
    hour: "numeric",
    hourCycle: "h23",
  });
  const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  for (const r of rows) {
    const parts = format.formatToParts(new Date(num(r.bucket) * BUCKET_SECONDS * 1000));
    const weekday = WEEKDAYS.indexOf(parts.find((p) => p.type === "weekday")?.value ?? "");
    const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0) % 24;
    const row = grid[weekday];
    if (row) row[hour] = (row[hour] ?? 0) + num(r.n);
  }
  return grid;
}

/** Failed provider attempts (errors, rate limits) by provider and kind. */
export async function aiFailures(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ provider: string; kind: string; count: number }[]> {
  const q = new Sql(db, f);
  const c = ["kind = 'ai_failure'", "created_at >= :from", "created_at < :to"];
  if (f.provider) c.push("provider = :provider");
  if (f.userId) c.push("user_id = :userId");
  const rows = await q.rows(`
    SELECT provider, detail AS kind, COUNT(*) AS n FROM app_events
    WHERE ${c.join(" AND ")} GROUP BY provider, detail ORDER BY n DESC`);
  return rows.map((r) => ({
    provider: String(r.provider ?? ""),
    kind: String(r.kind),
    count: num(r.n),
  }));
}

/** Database errors and authentication failures per day (viewer's zone). */
export async function errorsByDay(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ day: string; dbErrors: number; authFailures: number }[]> {
  const q = new Sql(db, f);
  const c = ["kind IN ('db_error', 'auth_failure')", "created_at >= :from", "created_at < :to"];
  if (f.userId) c.push("user_id = :userId");
  const rows = await q.rows(`
    SELECT ${q.dayLabel()} AS day, db, auth FROM (
      SELECT ${q.day()} AS day,
        SUM(CASE WHEN kind = 'db_error' THEN 1 ELSE 0 END) AS db,
        SUM(CASE WHEN kind = 'auth_failure' THEN 1 ELSE 0 END) AS auth
      FROM app_events WHERE ${c.join(" AND ")} GROUP BY 1) x ORDER BY day`);
  return rows.map((r) => ({ day: String(r.day), dbErrors: num(r.db), authFailures: num(r.auth) }));
}

/** Providers and models answers came from in the range (for the filter menus). */
export async function modelChoices(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ provider: string; model: string }[]> {
  const q = new Sql(db, { from: f.from, to: f.to, tz: f.tz });
  const rows = await q.rows(`
    SELECT DISTINCT ai_provider AS provider, ai_model AS model FROM chat_messages
    WHERE ${q.answers()} ORDER BY 1, 2`);
  return rows.map((r) => ({ provider: String(r.provider), model: String(r.model ?? "") }));
}

/** Every panel, by name: the route answers all of them, the bench times each. */
export const ANALYTICS_PANELS = {
  latency: latencyByModel,
  tokensByDay,
  tokensByModel,
  tokensByUser,
  tokensBySession,
  messagesByUser,
  activity: activityByDay,
  heatmap: usageHeatmap,
  aiFailures,
  errors: errorsByDay,
  models: modelChoices,
} as const;

/** Tokens of one session's answers, by who asked and by model (the session menu's gauge). */
export async function sessionUsage(
  db: Db,
  sessionId: string,
): Promise<{
  total: { promptTokens: number; completionTokens: number; answers: number };
  byUser: { userId: string; username: string; promptTokens: number; completionTokens: number }[];
  byModel: {
    provider: string;
    model: string;
    answers: number;
    promptTokens: number;
    completionTokens: number;
  }[];
}> {
  const rows = await db.sequelize.query<Row>(
    `SELECT asker_id AS asker, ai_provider AS provider, ai_model AS model, COUNT(*) AS answers, ${tokenSums}
     FROM chat_messages WHERE session_id = :sessionId AND role = 'assistant' AND ai_provider IS NOT NULL
     GROUP BY 1, 2, 3`,
    { type: QueryTypes.SELECT, replacements: { sessionId } },
  );
  const total = { promptTokens: 0, completionTokens: 0, answers: 0 };
  const users = new Map<string, { promptTokens: number; completionTokens: number }>();
  const models = new Map<
    string,
    {
      provider: string;
      model: string;
      answers: number;
      promptTokens: number;
      completionTokens: number;
    }
  >();
  for (const r of rows) {
    const p = num(r.prompt);
    const c = num(r.completion);
    total.promptTokens += p;
    total.completionTokens += c;
    total.answers += num(r.answers);
    if (r.asker) {
      const u = users.get(String(r.asker)) ?? { promptTokens: 0, completionTokens: 0 };
      u.promptTokens += p;
      u.completionTokens += c;
      users.set(String(r.asker), u);
    }
    const key = `${r.provider}/${r.model}`;
    const m = models.get(key) ?? {
      provider: String(r.provider),
      model: String(r.model ?? ""),
      answers: 0,
      promptTokens: 0,
      completionTokens: 0,
    };
    m.answers += num(r.answers);
    m.promptTokens += p;
    m.completionTokens += c;
    models.set(key, m);
  }
  const names = await usernames(db, [...users.keys()]);
  return {
    total,
    byUser: [...users].map(([userId, u]) => ({
      userId,
      username: names.get(userId) ?? "(deleted)",
      ...u,
    })),
    byModel: [...models.values()],
  };
}
