import type { Db } from "../../index";
import { type AnalyticsFilter, num, Sql } from "./sql";

/** `app_events` rows of the range (a small table: read raw, never rolled up). */
function eventConditions(f: AnalyticsFilter, kinds: string): string[] {
  const c = [`kind IN (${kinds})`, "created_at >= :from", "created_at < :to"];
  if (f.userId) c.push("user_id = :userId");
  return c;
}

/** Failed provider attempts (errors, rate limits) by provider and kind. */
export async function aiFailures(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ provider: string; kind: string; count: number }[]> {
  const q = new Sql(db, f);
  const c = eventConditions(f, "'ai_failure'");
  if (f.provider) c.push("provider = :provider");
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
  const rows = await q.rows(`
    SELECT day, SUM(db) AS db, SUM(auth) AS auth FROM (
      SELECT ${q.zoneDay(q.quarter())} AS day,
        CASE WHEN kind = 'db_error' THEN 1 ELSE 0 END AS db,
        CASE WHEN kind = 'auth_failure' THEN 1 ELSE 0 END AS auth
      FROM app_events WHERE ${eventConditions(f, "'db_error', 'auth_failure'").join(" AND ")}) x
    GROUP BY day ORDER BY day`);
  return rows.map((r) => ({ day: String(r.day), dbErrors: num(r.db), authFailures: num(r.auth) }));
}
