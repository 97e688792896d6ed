import type { Db } from "../../index";
import {
  type AnalyticsFilter,
  formatter,
  num,
  QUARTER_MS,
  QUARTERS_PER_DAY,
  Sql,
  TOP_ROWS,
  union,
  usernames,
} from "./sql";

/** Messages people wrote, per user (top 50). */
export async function messagesByUser(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ userId: string; username: string; messages: number }[]> {
  const q = new Sql(db, f);
  const raw = q.raw(
    "chat_messages",
    [...q.writtenConditions(), "author_id IS NOT NULL"],
    (from) => `SELECT CAST(author_id AS TEXT) AS key, COUNT(*) AS n ${from} GROUP BY 1`,
  );
  const rolled = q.rollup(
    "analytics_days",
    ["dim = 'author'"],
    (from) => `SELECT key, SUM(written) AS n ${from} GROUP BY 1`,
  );
  const rows = await q.rows(`
    SELECT key, SUM(n) AS messages FROM ${union([...raw, ...rolled])}
    GROUP BY key ORDER BY messages DESC, key LIMIT ${TOP_ROWS}`);
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

/**
 * For each rollup day, the quarter-hours of each zone day it holds, as the two
 * 48-bit masks `analytics_days.q_lo`/`q_hi` are tested against.
 */
function dayMasks(q: Sql): string | null {
  const d = q.segments.days;
  if (!d) return null;
  const days = q.days;
  const rows: string[] = [];
  for (let day = d[0]; day < d[1]; day++) {
    const first = day * QUARTERS_PER_DAY;
    days.forEach((z, i) => {
      const end = days[i + 1]?.startQ ?? Math.ceil(q.f.to.getTime() / QUARTER_MS);
      const s = Math.max(z.startQ, first);
      const e = Math.min(end, first + QUARTERS_PER_DAY);
      if (s >= e) return;
      let lo = 0n;
      let hi = 0n;
      for (let b = s - first; b < e - first; b++) {
        if (b < 48) lo |= 1n << BigInt(b);
        else hi |= 1n << BigInt(b - 48);
      }
      rows.push(`(${day}, '${z.label}', ${lo}, ${hi})`);
    });
  }
  return `(VALUES ${rows.join(", ")}) m`;
}

/** Users who wrote and sessions that got a message, per day (viewer's zone). */
export async function activityByDay(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ day: string; activeUsers: number; activeSessions: number }[]> {
  const q = new Sql(db, f);
  const raw = q.raw(
    "chat_messages",
    q.writtenConditions(),
    (from) =>
      `SELECT ${q.zoneDay(q.quarter())} AS day, CAST(author_id AS TEXT) AS u, CAST(session_id AS TEXT) AS s ${from}`,
  );
  const masks = dayMasks(q);
  const d = q.segments.days;
  // The mask list drives the join (CROSS JOIN keeps SQLite's order): each of its few
  // rows finds its day's rows by the (dim, day) index, instead of every row of the dim
  // being tested against every mask.
  const rolled =
    masks && d
      ? (["author", "sess_w"] as const).map(
          (dim) => `SELECT m.column2 AS day, ${dim === "author" ? "d.key" : "NULL"} AS u,
          ${dim === "author" ? "NULL" : "d.key"} AS s
        FROM ${masks} CROSS JOIN analytics_days d
        WHERE d.dim = '${dim}' AND d.day = m.column1 AND d.day >= ${d[0]} AND d.day < ${d[1]}
          AND ((d.q_lo & m.column3) <> 0 OR (d.q_hi & m.column4) <> 0)`,
        )
      : [];
  const rows = await q.rows(`
    SELECT day, COUNT(DISTINCT u) AS users, COUNT(DISTINCT s) AS sessions
    FROM ${union([...raw, ...rolled])} GROUP BY day ORDER BY day`);
  return rows.map((r) => ({
    day: String(r.day),
    activeUsers: num(r.users),
    activeSessions: num(r.sessions),
  }));
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/**
 * Messages people wrote by weekday × hour in the viewer's zone: `[weekday][hour]`,
 * weekday 0 = Monday. The database counts 15-minute UTC buckets (15 minutes fits
 * every zone offset); each bucket is placed in the zone here, daylight saving included.
 */
export async function usageHeatmap(db: Db, f: AnalyticsFilter): Promise<number[][]> {
  const q = new Sql(db, f);
  const raw = q.raw(
    "chat_messages",
    q.writtenConditions(),
    (from) => `SELECT ${q.quarter()} AS q, COUNT(*) AS n ${from} GROUP BY 1`,
  );
  const rolled = q.rollup(
    "analytics_quarters",
    ["kind = 'w'"],
    (from) => `SELECT q, SUM(written) AS n ${from} GROUP BY q`,
    "q",
  );
  const rows = await q.rows(`SELECT q, SUM(n) AS n FROM ${union([...raw, ...rolled])} GROUP BY q`);
  const grid = Array.from({ length: 7 }, () => Array<number>(24).fill(0));
  const format = formatter("heatmap", f.tz, {
    weekday: "short",
    hour: "numeric",
    hourCycle: "h23",
  });
  for (const r of rows) {
    const parts = format.formatToParts(new Date(num(r.q) * QUARTER_MS));
    const weekday = WEEKDAYS.indexOf(parts.find((p) => p.type === "weekday")?.value ?? "");
    const hour = Number(parts.find((p) => p.type === "hour")?.value ?? 0) % 24;
    const row = grid[weekday];
    if (row) row[hour] = (row[hour] ?? 0) + num(r.n);
  }
  return grid;
}
