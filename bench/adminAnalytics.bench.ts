/**
 * Admin analytics at scale, on both databases: seeds 1 million messages (half of them
 * AI answers) spread over 90 days, 200 users and 2,000 sessions, builds the rollup
 * (migration 009; its first build is timed), then times each dashboard panel's query
 * over the last 24 h, 7 d and 30 d (median and worst of five runs, warm cache), a
 * model-filtered and a user-filtered 30 d (the user filter reads raw rows), and the
 * admin user list. Target: every panel ≤ 200 ms.
 *
 *   npm run bench -- adminAnalytics   or   npx tsx bench/adminAnalytics.bench.ts [--messages=N] [--db=postgres|sqlite] [--keep]
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ANALYTICS_PANELS,
  type AnalyticsFilter,
  createDb,
  type Db,
  listUsers,
  refreshAnalyticsRollup,
} from "@engunity/db";
import { createTestDatabase } from "../test/support/postgres";
import { writeResult } from "./lib/results";
import { printTable } from "./lib/stats";

const TARGET_MS = 200;
const RUNS = 5;
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const MESSAGES = arg("messages") ? Number(arg("messages")) : 1_000_000;
const KINDS = (arg("db") ? [arg("db")] : ["postgres", "sqlite"]) as ("postgres" | "sqlite")[];
const DAY_MS = 86_400_000;
// --keep: seed a database of its own once and keep it for the next run (iterating on queries).
const keep = process.argv.includes("--keep");
const PRICES = { "groq/m-a": { prompt: 0.05, completion: 0.08 } };

type Timing = { medianMs: number; maxMs: number };
const round = (n: number) => Math.round(n * 10) / 10;
async function time(fn: () => Promise<unknown>): Promise<Timing> {
  await fn(); // warm-up: the plan and the pages
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { medianMs: round(samples[Math.floor(RUNS / 2)]!), maxMs: round(samples.at(-1)!) };
}

const all: Record<string, unknown> = {};
let worstOverall = 0;
for (const kind of KINDS) {
  const r = await benchOne(kind);
  all[kind] = r;
  worstOverall = Math.max(worstOverall, r.worstMedianMs);
}
const file = writeResult("adminAnalytics", {
  messages: MESSAGES,
  targetMs: TARGET_MS,
  runs: RUNS,
  ...all,
  worstMedianMs: worstOverall,
  withinTarget: worstOverall <= TARGET_MS,
});
console.log(`wrote ${file}`);

async function benchOne(kind: "postgres" | "sqlite") {
  const database =
    kind === "sqlite" ? sqliteFile() : keep ? await keptDatabase() : await createTestDatabase();
  const db =
    kind === "sqlite"
      ? createDb({ sqlitePath: database.url })
      : createDb({ databaseUrl: database.url });
  try {
    await db.migrate();
    const seedStarted = performance.now();
    const seeded = (await db.models.ChatMessage.count()) >= MESSAGES;
    if (!seeded) await (kind === "sqlite" ? seedSqlite(db, MESSAGES) : seed(db, MESSAGES));
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    console.log(`${kind}: seeded ${MESSAGES} messages in ${seedSeconds.toFixed(1)} s`);
    const rollupStarted = performance.now();
    const rolledUpTo = await refreshAnalyticsRollup(db);
    const rollupSeconds = (performance.now() - rollupStarted) / 1000;
    const refresh = await time(() => refreshAnalyticsRollup(db));
    console.log(
      `${kind}: rollup built in ${rollupSeconds.toFixed(1)} s; a current refresh takes ${refresh.medianMs} ms`,
    );

    const now = new Date();
    const ranges = { "24h": 1, "7d": 7, "30d": 30 };
    const rows: Record<string, string | number>[] = [];
    const results: Record<string, Record<string, Timing>> = {};
    const last30 = { from: new Date(now.getTime() - 30 * DAY_MS), to: now, rolledUpTo };
    for (const [panel, fn] of Object.entries(ANALYTICS_PANELS)) {
      results[panel] = {};
      const row: Record<string, string | number> = { panel };
      for (const [name, days] of Object.entries(ranges)) {
        const filter: AnalyticsFilter = {
          from: new Date(now.getTime() - days * DAY_MS),
          to: now,
          tz: "Europe/Berlin",
          rolledUpTo,
        };
        const r = await time(() =>
          (fn as (db: Db, f: AnalyticsFilter, p?: unknown) => Promise<unknown>)(db, filter, PRICES),
        );
        results[panel]![name] = r;
        row[`${name} median ms`] = r.medianMs;
        row[`${name} max ms`] = r.maxMs;
        if (name === "30d") {
          // The same panel from raw rows only, in the same run: the floor to compare with.
          const raw = await time(() =>
            (fn as (db: Db, f: AnalyticsFilter, p?: unknown) => Promise<unknown>)(
              db,
              { ...filter, rolledUpTo: null },
              PRICES,
            ),
          );
          results[panel]!["30d raw"] = raw;
          row["30d raw median ms"] = raw.medianMs;
          row["raw/rollup"] = Math.round((raw.medianMs / Math.max(0.1, r.medianMs)) * 10) / 10;
        }
      }
      rows.push(row);
    }
    const extra = (panel: string, r: Timing) => {
      rows.push({ panel, "30d median ms": r.medianMs, "30d max ms": r.maxMs });
      return r;
    };
    const filtered = extra(
      "latency, model filter (30d)",
      await time(() => ANALYTICS_PANELS.latency(db, { ...last30, tz: "UTC", model: "m-b" })),
    );
    const [someone] = await db.models.User.findAll({ limit: 1, order: [["username", "ASC"]] });
    const userFilter: Record<string, Timing> = {};
    for (const panel of ["latency", "tokensByDay", "activity"] as const) {
      userFilter[panel] = extra(
        `${panel}, user filter (30d, raw)`,
        await time(() =>
          ANALYTICS_PANELS[panel](db, { ...last30, tz: "UTC", userId: someone!.id }),
        ),
      );
    }
    const users = extra(
      "admin user list (50)",
      await time(() => listUsers(db, { limit: 50, offset: 0 })),
    );

    printTable(
      `Admin analytics panels, ${kind}, ${MESSAGES.toLocaleString("en")} messages (rollup + live tail)`,
      rows,
    );
    const worst = Math.max(
      ...Object.values(results).flatMap((r) =>
        Object.entries(r)
          .filter(([k]) => k !== "30d raw")
          .map(([, x]) => x.medianMs),
      ),
      filtered.medianMs,
      ...Object.values(userFilter).map((x) => x.medianMs),
      users.medianMs,
    );
    console.log(`\n${kind}: worst median ${worst} ms; target ${TARGET_MS} ms`);
    return {
      seedSeconds: Math.round(seedSeconds),
      rollupBuildSeconds: round(rollupSeconds),
      rollupRefreshWhenCurrent: refresh,
      panels: results,
      latencyModelFilter30d: filtered,
      userFilter30d: userFilter,
      userList: users,
      worstMedianMs: worst,
    };
  } finally {
    await db.close();
    if (!keep) await database.drop();
  }
}

function sqliteFile() {
  const dir = keep
    ? join(tmpdir(), "engunity-bench-admin")
    : join(tmpdir(), `engunity-bench-admin-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return {
    url: join(dir, "bench.sqlite"),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function keptDatabase() {
  const name = "engunity_bench_admin_analytics";
  const { default: pg } = await import("pg");
  const { PG_ADMIN_URL } = await import("../test/support/services");
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: async () => {} };
}

/** Bulk seed in SQL (generate_series): two rows per step, a question and its answer. */
async function seed(db: Db, messages: number): Promise<void> {
  const q = (sql: string) => db.sequelize.query(sql);
  await q(`INSERT INTO users (id, username, email, hashed_password, is_active, is_superuser, created_at, updated_at)
    SELECT gen_random_uuid(), 'user' || g, 'user' || g || '@bench.test', 'x', true, g = 1, now(), now()
    FROM generate_series(1, 200) g`);
  await q(`INSERT INTO chat_sessions (id, user_id, title, settings, message_count, activity_at, created_at, updated_at)
    SELECT gen_random_uuid(), u.a[1 + g % 200], 'Session ' || g, '{}', 0, now(), now(), now()
    FROM generate_series(1, 2000) g, (SELECT array_agg(id ORDER BY username) a FROM users) u`);
  const steps = Math.floor(messages / 2);
  const batch = 100_000;
  for (let start = 0; start < steps; start += batch) {
    const end = Math.min(steps, start + batch) - 1;
    await q(`INSERT INTO chat_messages (id, session_id, author_id, role, content, status, metadata,
        created_at, updated_at, ai_provider, ai_model, asker_id, prompt_tokens, completion_tokens, ttft_ms, duration_ms)
      SELECT gen_random_uuid(), s.a[1 + g % 2000], CASE WHEN r.role = 'user' THEN u.a[1 + g % 200] END,
        r.role, 'x', 'complete', '{}',
        t.at + CASE WHEN r.role = 'user' THEN interval '0' ELSE interval '2 seconds' END, t.at,
        CASE WHEN r.role = 'assistant' THEN (ARRAY['groq', 'local', 'openai'])[1 + g % 3] END,
        CASE WHEN r.role = 'assistant' THEN (ARRAY['m-a', 'm-b', 'm-c', 'm-d'])[1 + g % 4] END,
        CASE WHEN r.role = 'assistant' THEN u.a[1 + g % 200] END,
        CASE WHEN r.role = 'assistant' THEN 50 + (g * 7) % 900 END,
        CASE WHEN r.role = 'assistant' THEN 20 + (g * 13) % 400 END,
        CASE WHEN r.role = 'assistant' THEN 50 + (g * 31) % 2000 END,
        CASE WHEN r.role = 'assistant' THEN 500 + (g * 17) % 9000 END
      FROM generate_series(${start}, ${end}) g
      CROSS JOIN (VALUES ('user'), ('assistant')) r(role)
      CROSS JOIN LATERAL (SELECT now() - (g * ${(90 * 86400) / steps}) * interval '1 second' AS at) t,
      (SELECT array_agg(id ORDER BY username) a FROM users) u,
      (SELECT array_agg(id ORDER BY title) a FROM chat_sessions) s`);
  }
  await q(`INSERT INTO app_events (kind, detail, provider, user_id, created_at)
    SELECT (ARRAY['auth_failure', 'db_error', 'ai_failure'])[1 + g % 3], 'x',
      CASE WHEN g % 3 = 2 THEN 'groq' END, NULL, now() - (g * 388.8) * interval '1 second'
    FROM generate_series(1, 20000) g`);
  // What autovacuum does on a live install: statistics, and the visibility map that
  // lets the panels' scans read the covering index alone.
  await q("VACUUM ANALYZE");
}

/** The same data on SQLite: recursive CTEs for the series, numbered users and sessions. */
async function seedSqlite(db: Db, messages: number): Promise<void> {
  const q = (sql: string) => db.sequelize.query(sql);
  const uuid =
    "lower(substr(hex(randomblob(16)), 1, 8) || '-' || substr(hex(randomblob(16)), 1, 4) || '-4' || substr(hex(randomblob(16)), 1, 3) || '-a' || substr(hex(randomblob(16)), 1, 3) || '-' || substr(hex(randomblob(16)), 1, 12))";
  const ts = (epoch: string) => `strftime('%Y-%m-%d %H:%M:%f', ${epoch}, 'unixepoch') || ' +00:00'`;
  const series = (from: number, to: number) =>
    `WITH RECURSIVE g(x) AS (SELECT ${from} UNION ALL SELECT x + 1 FROM g WHERE x < ${to})`;
  const now = Date.now() / 1000;
  await q(`${series(1, 200)} INSERT INTO users (id, username, email, hashed_password, is_active, is_superuser, created_at, updated_at)
    SELECT ${uuid}, 'user' || x, 'user' || x || '@bench.test', 'x', 1, x = 1, ${ts(String(now))}, ${ts(String(now))} FROM g`);
  await q(
    `CREATE TEMP TABLE bu AS SELECT ROW_NUMBER() OVER (ORDER BY username) - 1 AS i, id FROM users`,
  );
  await q(`${series(1, 2000)} INSERT INTO chat_sessions (id, user_id, title, settings, message_count, activity_at, created_at, updated_at)
    SELECT ${uuid}, bu.id, 'Session ' || x, '{}', 0, ${ts(String(now))}, ${ts(String(now))}, ${ts(String(now))}
    FROM g JOIN bu ON bu.i = x % 200`);
  await q(
    `CREATE TEMP TABLE bs AS SELECT ROW_NUMBER() OVER (ORDER BY title) - 1 AS i, id FROM chat_sessions`,
  );
  const steps = Math.floor(messages / 2);
  const step = (90 * 86400) / steps;
  const batch = 100_000;
  for (let start = 0; start < steps; start += batch) {
    const end = Math.min(steps, start + batch) - 1;
    await q(`${series(start, end)} INSERT INTO chat_messages (id, session_id, author_id, role, content, status, metadata,
        created_at, updated_at, ai_provider, ai_model, asker_id, prompt_tokens, completion_tokens, ttft_ms, duration_ms)
      SELECT ${uuid}, bs.id, CASE WHEN r.role = 'user' THEN bu.id END, r.role, 'x', 'complete', '{}',
        ${ts(`${now} - x * ${step} + CASE WHEN r.role = 'user' THEN 0 ELSE 2 END`)}, ${ts(`${now} - x * ${step}`)},
        CASE WHEN r.role = 'assistant' THEN (CASE x % 3 WHEN 0 THEN 'groq' WHEN 1 THEN 'local' ELSE 'openai' END) END,
        CASE WHEN r.role = 'assistant' THEN (CASE x % 4 WHEN 0 THEN 'm-a' WHEN 1 THEN 'm-b' WHEN 2 THEN 'm-c' ELSE 'm-d' END) END,
        CASE WHEN r.role = 'assistant' THEN bu.id END,
        CASE WHEN r.role = 'assistant' THEN 50 + (x * 7) % 900 END,
        CASE WHEN r.role = 'assistant' THEN 20 + (x * 13) % 400 END,
        CASE WHEN r.role = 'assistant' THEN 50 + (x * 31) % 2000 END,
        CASE WHEN r.role = 'assistant' THEN 500 + (x * 17) % 9000 END
      FROM g CROSS JOIN (SELECT 'user' AS role UNION ALL SELECT 'assistant') r
      JOIN bu ON bu.i = x % 200 JOIN bs ON bs.i = x % 2000`);
  }
  await q(`${series(1, 20000)} INSERT INTO app_events (kind, detail, provider, user_id, created_at)
    SELECT CASE x % 3 WHEN 0 THEN 'db_error' WHEN 1 THEN 'auth_failure' ELSE 'ai_failure' END, 'x',
      CASE WHEN x % 3 = 2 THEN 'groq' END, NULL, ${ts(`${now} - x * 388.8`)} FROM g`);
  await q("ANALYZE");
}
