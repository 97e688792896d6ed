/**
 * Admin analytics at scale: seeds a Postgres database with 1 million messages (half
 * of them AI answers) spread over 90 days, 200 users and 2,000 sessions, then times
 * each dashboard panel's query over the last 24 h, 7 d and 30 d (median and worst of
 * five runs, warm cache), and the admin user list. Target: every panel ≤ 200 ms.
 *
 *   npm run bench -- adminAnalytics   or   npx tsx bench/adminAnalytics.bench.ts [--messages=N]
 */
import { ANALYTICS_PANELS, type AnalyticsFilter, createDb, listUsers } from "@engunity/db";
import { createTestDatabase } from "../test/support/postgres";
import { writeResult } from "./lib/results";
import { printTable } from "./lib/stats";

const TARGET_MS = 200;
const RUNS = 5;
const arg = process.argv.find((a) => a.startsWith("--messages="));
const MESSAGES = arg ? Number(arg.split("=")[1]) : 1_000_000;
const DAY_MS = 86_400_000;

// --keep: seed a database of its own once and keep it for the next run (iterating on queries).
const keep = process.argv.includes("--keep");
const database = keep ? await keptDatabase() : await createTestDatabase();
const db = createDb({ databaseUrl: database.url });
try {
  await db.migrate();
  const seedStarted = performance.now();
  const seeded = (await db.models.ChatMessage.count()) >= MESSAGES;
  if (!seeded) await seed(MESSAGES);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`seeded ${MESSAGES} messages in ${seedSeconds.toFixed(1)} s`);

  const now = new Date();
  const ranges = { "24h": 1, "7d": 7, "30d": 30 };
  const rows: Record<string, string | number>[] = [];
  const results: Record<string, Record<string, { medianMs: number; maxMs: number }>> = {};
  const time = async (fn: () => Promise<unknown>) => {
    await fn(); // warm-up: the plan and the pages
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      await fn();
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    return { medianMs: round(samples[Math.floor(RUNS / 2)]!), maxMs: round(samples.at(-1)!) };
  };
  for (const [panel, fn] of Object.entries(ANALYTICS_PANELS)) {
    results[panel] = {};
    const row: Record<string, string | number> = { panel };
    for (const [name, days] of Object.entries(ranges)) {
      const filter: AnalyticsFilter = {
        from: new Date(now.getTime() - days * DAY_MS),
        to: now,
        tz: "Europe/Berlin",
      };
      const r = await time(() =>
        (fn as (db: unknown, f: AnalyticsFilter, p?: unknown) => Promise<unknown>)(db, filter, {
          "groq/m-a": { prompt: 0.05, completion: 0.08 },
        }),
      );
      results[panel]![name] = r;
      row[`${name} median ms`] = r.medianMs;
      row[`${name} max ms`] = r.maxMs;
    }
    rows.push(row);
  }
  const filtered = await time(() =>
    ANALYTICS_PANELS.latency(db, {
      from: new Date(now.getTime() - 30 * DAY_MS),
      to: now,
      tz: "UTC",
      model: "m-b",
    }),
  );
  rows.push({
    panel: "latency, model filter (30d)",
    "30d median ms": filtered.medianMs,
    "30d max ms": filtered.maxMs,
  });
  const users = await time(() => listUsers(db, { limit: 50, offset: 0 }));
  rows.push({
    panel: "admin user list (50)",
    "30d median ms": users.medianMs,
    "30d max ms": users.maxMs,
  });

  printTable(`Admin analytics panels, Postgres, ${MESSAGES.toLocaleString("en")} messages`, rows);
  const worst = Math.max(
    ...Object.values(results).flatMap((r) => Object.values(r).map((x) => x.medianMs)),
    filtered.medianMs,
    users.medianMs,
  );
  console.log(`\nworst median: ${worst} ms; target ${TARGET_MS} ms`);
  const file = writeResult("adminAnalytics", {
    messages: MESSAGES,
    seedSeconds: Math.round(seedSeconds),
    targetMs: TARGET_MS,
    runs: RUNS,
    panels: results,
    latencyModelFilter30d: filtered,
    userList: users,
    worstMedianMs: worst,
    withinTarget: worst <= TARGET_MS,
  });
  console.log(`wrote ${file}`);
} finally {
  await db.close();
  if (!keep) await database.drop();
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
async function seed(messages: number): Promise<void> {
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
