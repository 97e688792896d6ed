import { QueryTypes, type Transaction } from "sequelize";
import type { Db } from "../../index";
import { binSql } from "./latency";
import { DAY_MS, QUARTERS_PER_DAY, quarterSql } from "./sql";

/**
 * A UTC day is rolled up once it ended this long ago: an answer's row is created when
 * it starts and gets its numbers when it finishes, well within this margin.
 */
export const ROLLUP_SETTLE_MS = 3_600_000;
/** Days rolled up per transaction (a first run over a large history takes several). */
const DAYS_PER_STEP = 7;
/** Postgres advisory lock: one node rolls up at a time; the others read what is there. */
const ROLLUP_LOCK_KEY = 804_771_009;

const ROLLUP_TABLES = ["analytics_quarters", "analytics_days", "analytics_latency"];

const running = new WeakMap<Db, Promise<number | null>>();

/**
 * Brings the analytics rollup (migration 009) up to the last settled UTC day and
 * returns the epoch day it reaches (the panels' `rolledUpTo`), or null while the
 * database holds no messages. Cheap when already current: one read.
 *
 * What the rollup holds stays as it was summed: an answer finished more than
 * `ROLLUP_SETTLE_MS` after its day ended, or a message deleted after its day was
 * rolled up, is not reflected in the rollup (the counts are the usage history).
 */
export function refreshAnalyticsRollup(db: Db, now = new Date()): Promise<number | null> {
  const inFlight = running.get(db);
  if (inFlight) return inFlight;
  const p = catchUp(db, now).finally(() => running.delete(db));
  running.set(db, p);
  return p;
}

/** The epoch day the rollup reaches, or null before the first roll-up. */
export async function rolledUpTo(db: Db, t?: Transaction): Promise<number | null> {
  const [row] = await db.sequelize.query<{ day: number }>(
    `SELECT rolled_up_to_day AS day FROM analytics_rollup_state WHERE id = 1${
      t && db.dialect === "postgres" ? " FOR UPDATE" : ""
    }`,
    { type: QueryTypes.SELECT, transaction: t },
  );
  return row ? Number(row.day) : null;
}

async function catchUp(db: Db, now: Date): Promise<number | null> {
  const target = Math.floor((now.getTime() - ROLLUP_SETTLE_MS) / DAY_MS);
  let day = await rolledUpTo(db);
  if (day !== null && day >= target) return day;
  let rolled = false;
  while (day === null || day < target) {
    const next = await db.sequelize.transaction(async (t) => {
      if (db.dialect === "postgres") {
        const [lock] = await db.sequelize.query<{ ok: boolean }>(
          "SELECT pg_try_advisory_xact_lock(:key) AS ok",
          { type: QueryTypes.SELECT, transaction: t, replacements: { key: ROLLUP_LOCK_KEY } },
        );
        if (!lock?.ok) return undefined; // another node is at it
      }
      let start = await rolledUpTo(db, t);
      if (start === null) {
        const [first] = await db.sequelize.query<{ at: string | Date | null }>(
          "SELECT MIN(created_at) AS at FROM chat_messages",
          { type: QueryTypes.SELECT, transaction: t },
        );
        if (!first?.at) return null;
        start = Math.floor(new Date(first.at).getTime() / DAY_MS);
      }
      if (start >= target) return start;
      const end = Math.min(target, start + DAYS_PER_STEP);
      await rollUp(db, t, start, end);
      await db.sequelize.query(
        db.dialect === "postgres"
          ? `INSERT INTO analytics_rollup_state (id, rolled_up_to_day) VALUES (1, ${end})
             ON CONFLICT (id) DO UPDATE SET rolled_up_to_day = EXCLUDED.rolled_up_to_day`
          : `INSERT OR REPLACE INTO analytics_rollup_state (id, rolled_up_to_day) VALUES (1, ${end})`,
        { transaction: t },
      );
      return end;
    });
    if (next === undefined) return rolledUpTo(db);
    if (next === null) return null;
    day = next;
    rolled = true;
  }
  // Fresh statistics, so the planner sees the rollup's real size (a first build adds
  // many rows at once; autovacuum would get there later).
  if (rolled)
    await db.sequelize.query(
      `ANALYZE ${ROLLUP_TABLES.join(db.dialect === "postgres" ? ", " : "; ANALYZE ")}`,
    );
  return day;
}

/** Sums the raw rows of epoch days [start, end) into the rollup tables. */
async function rollUp(db: Db, t: Transaction, start: number, end: number): Promise<void> {
  const pg = db.dialect === "postgres";
  const run = (sql: string) =>
    db.sequelize.query(sql, {
      transaction: t,
      replacements: { from: new Date(start * DAY_MS), to: new Date(end * DAY_MS) },
    });
  const range = "created_at >= :from AND created_at < :to";
  const answers = `FROM (SELECT ${quarterSql(db)} AS q, ai_provider AS provider,
      COALESCE(ai_model, '') AS model, CAST(asker_id AS TEXT) AS asker,
      CAST(session_id AS TEXT) AS session, COALESCE(prompt_tokens, 0) AS prompt,
      COALESCE(completion_tokens, 0) AS completion, ttft_ms, duration_ms
    FROM chat_messages WHERE ai_provider IS NOT NULL AND ${range}) m`;
  const written = `FROM (SELECT ${quarterSql(db)} AS q, CAST(author_id AS TEXT) AS author,
      CAST(session_id AS TEXT) AS session
    FROM chat_messages WHERE role = 'user' AND ${range}) m`;
  const sums = "COUNT(*), SUM(prompt), SUM(completion)";
  const day = `q / ${QUARTERS_PER_DAY}`;
  // The day's quarter-hours with a message, as two 48-bit masks.
  const bits = (half: "lo" | "hi") => {
    const slot = `q % ${QUARTERS_PER_DAY}`;
    const inHalf = half === "lo" ? `${slot} < 48` : `${slot} >= 48`;
    const shift = half === "lo" ? slot : `(${slot} - 48)`;
    return pg
      ? `COALESCE(bit_or(CASE WHEN ${inHalf} THEN CAST(1 AS BIGINT) << CAST(${shift} AS INTEGER) END), 0)`
      : `COALESCE(SUM(DISTINCT CASE WHEN ${inHalf} THEN 1 << ${shift} END), 0)`;
  };

  await run(`INSERT INTO analytics_quarters (q, kind, provider, model, answers, prompt_tokens, completion_tokens, written)
    SELECT q, 'ai', provider, model, ${sums}, 0 ${answers} GROUP BY q, provider, model`);
  await run(`INSERT INTO analytics_quarters (q, kind, provider, model, answers, prompt_tokens, completion_tokens, written)
    SELECT q, 'w', '', '', 0, 0, 0, COUNT(*) ${written} GROUP BY q`);
  const days =
    "analytics_days (day, dim, key, provider, model, answers, prompt_tokens, completion_tokens, written, q_lo, q_hi)";
  for (const [dim, key] of [
    ["asker", "asker"],
    ["session", "session"],
  ] as const) {
    await run(`INSERT INTO ${days}
      SELECT ${day}, '${dim}', ${key}, provider, model, ${sums}, 0, 0, 0 ${answers}
      WHERE ${key} IS NOT NULL GROUP BY ${day}, ${key}, provider, model`);
  }
  for (const [dim, key] of [
    ["author", "author"],
    ["sess_w", "session"],
  ] as const) {
    await run(`INSERT INTO ${days}
      SELECT ${day}, '${dim}', ${key}, '', '', 0, 0, 0, COUNT(*), ${bits("lo")}, ${bits("hi")} ${written}
      WHERE ${key} IS NOT NULL GROUP BY ${day}, ${key}`);
  }
  const latency = "analytics_latency (day, provider, model, measure, bin, n)";
  await run(`INSERT INTO ${latency}
    SELECT ${day}, provider, model, 'a', 0, COUNT(*) ${answers} GROUP BY ${day}, provider, model`);
  for (const [measure, column] of [
    ["t", "ttft_ms"],
    ["d", "duration_ms"],
  ] as const) {
    await run(`INSERT INTO ${latency}
      SELECT ${day}, provider, model, '${measure}', ${binSql(column)}, COUNT(*) ${answers}
      WHERE ${column} IS NOT NULL GROUP BY ${day}, provider, model, ${binSql(column)}`);
  }
}
