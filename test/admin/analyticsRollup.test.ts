import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ANALYTICS_PANELS,
  type AnalyticsFilter,
  binRange,
  type ChatMessage,
  createDb,
  type Db,
  histogramPercentiles,
  refreshAnalyticsRollup,
} from "@engunity/db";
import { type CreationAttributes, QueryTypes } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/postgres";

type DbKind = "sqlite" | "postgres";
const DAY = 86_400_000;
/** The data: 10 days from here; the rollup is brought up to 2026-03-10 (day 7 of 10). */
const START = Date.parse("2026-03-01T00:00:00Z");
const REFRESHED_AT = new Date("2026-03-10T01:30:00Z"); // settled: days before 03-10
const PRICES = { "groq/m1": { prompt: 1, completion: 2 }, m2: { prompt: 3, completion: 1 } };

/**
 * The rollup (migration 009) against the raw rows it sums, on both databases: every
 * panel answers the same from the rollup plus the live tail as from raw rows alone,
 * for ranges that start and end mid-day and mid-hour, at the rollup's boundary, in
 * zones with 45-minute offsets and across a daylight-saving change.
 */
describe.each<DbKind>(["sqlite", "postgres"])("analytics rollup on %s", (kind) => {
  let db: Db;
  let cleanup: () => Promise<void>;
  let rolledUpTo: number | null;

  beforeAll(async () => {
    if (kind === "postgres") {
      const database = await createTestDatabase();
      db = createDb({ databaseUrl: database.url });
      cleanup = async () => {
        await db.close();
        await database.drop();
      };
    } else {
      const dir = mkdtempSync(join(tmpdir(), "engunity-rollup-"));
      db = createDb({ sqlitePath: join(dir, "db.sqlite") });
      cleanup = async () => {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      };
    }
    await db.migrate();
    await seed(db);
    // Nothing settled yet: the rollup reaches the first day with data, and holds nothing.
    expect(await refreshAnalyticsRollup(db, new Date(START - DAY))).toBe(START / DAY);
    expect(
      await db.sequelize.query("SELECT q FROM analytics_quarters", { type: QueryTypes.SELECT }),
    ).toEqual([]);
    rolledUpTo = await refreshAnalyticsRollup(db, REFRESHED_AT);
  });
  afterAll(() => cleanup?.());

  it("rolls up every settled UTC day and nothing after", async () => {
    expect(rolledUpTo).toBe(Date.parse("2026-03-10T00:00:00Z") / DAY);
    // A second refresh at the same time reads the watermark and writes nothing.
    expect(await refreshAnalyticsRollup(db, REFRESHED_AT)).toBe(rolledUpTo);
    const [row] = await db.sequelize.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM analytics_quarters WHERE q >= :q",
      { type: QueryTypes.SELECT, replacements: { q: (rolledUpTo! * DAY) / 900_000 } },
    );
    expect(Number(row!.n)).toBe(0);
  });

  const ranges: [string, Partial<AnalyticsFilter>][] = [
    [
      "mid-hour to the live tail, Kathmandu (+05:45)",
      {
        from: new Date("2026-03-01T18:20:00Z"),
        to: new Date("2026-03-11T06:50:00Z"),
        tz: "Asia/Kathmandu",
      },
    ],
    [
      "across the DST change, New York",
      {
        from: new Date("2026-03-02T05:00:00Z"),
        to: new Date("2026-03-10T00:00:00Z"), // ends exactly at the watermark
        tz: "America/New_York",
      },
    ],
    [
      "from the boundary instant, UTC, model filter",
      {
        from: new Date("2026-03-03T00:00:00Z"),
        to: new Date("2026-03-09T23:59:59.999Z"),
        tz: "UTC",
        model: "m2",
      },
    ],
    [
      "provider filter, Kolkata (+05:30)",
      {
        from: new Date("2026-03-01T00:00:00Z"),
        to: new Date("2026-03-11T00:00:00Z"),
        tz: "Asia/Kolkata",
        provider: "groq",
      },
    ],
  ];

  it.each(ranges)("answers every panel as the raw rows do: %s", async (_name, range) => {
    const raw = { ...range, rolledUpTo: null } as AnalyticsFilter;
    const rolled = { ...range, rolledUpTo } as AnalyticsFilter;
    let compared = 0;
    for (const [panel, fn] of Object.entries(ANALYTICS_PANELS)) {
      const run = fn as (db: Db, f: AnalyticsFilter, p?: unknown) => Promise<unknown>;
      const expected = await run(db, raw, PRICES);
      const actual = await run(db, rolled, PRICES);
      expect(normalize(actual), panel).toEqual(normalize(expected));
      compared += JSON.stringify(expected).length > 10 ? 1 : 0;
    }
    expect(compared).toBeGreaterThanOrEqual(8); // the data reaches most panels
  });

  it("prices tokens by provider/model first, then by model, and says null for an unpriced one", async () => {
    const f = {
      from: new Date("2026-03-01T00:00:00Z"),
      to: new Date("2026-03-11T00:00:00Z"),
      tz: "UTC",
      rolledUpTo,
    };
    // "m1" alone would price groq/m1 at 100: the provider/model key wins.
    const prices = { ...PRICES, m1: { prompt: 100, completion: 100 } };
    const byModel = await ANALYTICS_PANELS.tokensByModel(db, f, prices);
    const price = (r: { promptTokens: number; completionTokens: number }, p: number, c: number) =>
      (r.promptTokens * p + r.completionTokens * c) / 1e6;
    const m1 = byModel.find((r) => r.model === "m1")!;
    const m2 = byModel.find((r) => r.model === "m2")!;
    expect(m1.promptTokens).toBeGreaterThan(0);
    expect(m1.cost).toBeCloseTo(price(m1, 1, 2), 12);
    expect(m2.cost).toBeCloseTo(price(m2, 3, 1), 12); // priced by model name alone
    expect(byModel.find((r) => r.model === "")!.cost).toBeNull();
    // A session's cost is its models' costs summed; one unpriced answer makes it null.
    const local = { ...f, provider: "local" };
    const sessions = await ANALYTICS_PANELS.tokensBySession(db, local, prices);
    const onlyM2 = (await ANALYTICS_PANELS.tokensByModel(db, local, prices))[0]!;
    expect(sessions.reduce((sum, s) => sum + s.cost!, 0)).toBeCloseTo(onlyM2.cost!, 12);
    const everyModel = await ANALYTICS_PANELS.tokensBySession(db, f, prices);
    expect(everyModel.every((s) => s.cost === null)).toBe(true); // each saw a model-less answer
    const noTable = await ANALYTICS_PANELS.tokensByUser(db, f);
    expect(noTable.length).toBeGreaterThan(0);
    expect(noTable.every((u) => u.cost === null)).toBe(true);
  });

  it("counts a message at the boundary instant once, on the right side", async () => {
    // 2026-03-10T00:00:00.000Z is the first instant after the rollup: raw tail.
    const f = {
      from: new Date("2026-03-09T23:00:00Z"),
      to: new Date("2026-03-10T01:00:00Z"),
      tz: "UTC",
    };
    const heat = (await ANALYTICS_PANELS.heatmap(db, { ...f, rolledUpTo })).flat();
    const rawHeat = (await ANALYTICS_PANELS.heatmap(db, f)).flat();
    expect(heat).toEqual(rawHeat);
    // Monday 2026-03-09 23:xx and Tuesday 00:00 both hold the boundary messages.
    expect(rawHeat.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
  });

  it("gives percentiles from the histogram within 1/32 of the exact ones above the exact limit", async () => {
    const f = {
      from: new Date("2026-03-01T00:00:00Z"),
      to: new Date("2026-03-11T00:00:00Z"),
      tz: "UTC",
    };
    const exact = await ANALYTICS_PANELS.latency(db, { ...f, rolledUpTo });
    const approx = await ANALYTICS_PANELS.latency(db, {
      ...f,
      rolledUpTo,
      exactPercentilesUpTo: 0,
    });
    expect(exact.every((r) => r.exact)).toBe(true);
    expect(approx.every((r) => !r.exact)).toBe(true);
    expect(approx.map((r) => [r.provider, r.model, r.answers])).toEqual(
      exact.map((r) => [r.provider, r.model, r.answers]),
    );
    approx.forEach((r, i) => {
      for (const m of ["ttftMs", "durationMs"] as const) {
        for (const p of ["p50", "p95", "p99"] as const) {
          const want = exact[i]![m][p]!;
          expect(Math.abs(r[m][p]! - want), `${r.model} ${m} ${p}`).toBeLessThanOrEqual(
            want / 32 + 1,
          );
        }
      }
    });
  });
});

describe("latency histogram bins", () => {
  it("are exact under 64 ms and 1/32 wide above, contiguous", () => {
    expect(binRange(63)).toEqual({ lower: 63, width: 1 });
    expect(binRange(64)).toEqual({ lower: 64, width: 2 });
    expect(binRange(95)).toEqual({ lower: 126, width: 2 });
    expect(binRange(96)).toEqual({ lower: 128, width: 4 });
    for (let b = 64; b < 800; b++) {
      const { lower, width } = binRange(b);
      expect(binRange(b + 1).lower).toBe(lower + width);
      expect(width / lower).toBeLessThanOrEqual(1 / 32);
    }
  });

  it("interpolates like percentile_cont on exact bins", () => {
    // 1..20 ms, each its own bin: p95 at rank 0.95·19 = 18.05 → 19.05.
    const bins = new Map(Array.from({ length: 20 }, (_, i) => [i + 1, 1] as [number, number]));
    expect(histogramPercentiles(bins).p95).toBeCloseTo(19.05, 9);
    expect(histogramPercentiles(new Map())).toEqual({ p50: null, p95: null, p99: null });
  });
});

/** Rows compared regardless of order where the panel's order is a tie; floats to 9 places. */
function normalize(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x) => (typeof x === "number" ? Math.round(x * 1e9) / 1e9 : x)),
  );
}

/**
 * Ten days of traffic: 3 users in 4 sessions, a message every 47 minutes (so
 * every quarter-hour offset occurs), answers from two providers and three models (one
 * without a model name), some without timings, and messages at the UTC day boundary.
 */
async function seed(db: Db): Promise<void> {
  const { User, ChatSession } = db.models;
  const users = await User.bulkCreate(
    ["ann", "ben", "cy"].map((username) => ({
      username,
      email: `${username}@rollup.test`,
      hashedPassword: "x",
    })),
  );
  const sessions = await ChatSession.bulkCreate(
    [0, 1, 2, 3].map((i) => ({ userId: users[i % 3]!.id, title: `S${i}`, settings: {} })),
  );
  const rows: CreationAttributes<ChatMessage>[] = [];
  const models = [
    ["groq", "m1"],
    ["local", "m2"],
    ["groq", null],
  ] as const;
  const add = (at: number, i: number) => {
    const createdAt = new Date(at);
    const user = users[i % 3]!;
    const session = sessions[(i * 7) % 4]!;
    rows.push({
      sessionId: session.id,
      authorId: user.id,
      role: "user",
      content: "q",
      metadata: {},
      createdAt,
      updatedAt: createdAt,
    });
    if (i % 5 === 4) return; // not every question is answered
    const [provider, model] = models[i % 3]!;
    rows.push({
      sessionId: session.id,
      authorId: null,
      role: "assistant",
      content: "a",
      metadata: {},
      aiProvider: provider,
      aiModel: model,
      askerId: user.id,
      promptTokens: 10 + ((i * 13) % 90),
      completionTokens: i % 11 === 0 ? null : 5 + ((i * 7) % 40),
      ttftMs: i % 9 === 0 ? null : 20 + ((i * 37) % 3000),
      durationMs: 100 + ((i * 53) % 9000),
      createdAt: new Date(at + 1500),
      updatedAt: createdAt,
    });
  };
  let i = 0;
  for (let at = START; at < START + 10 * DAY; at += 47 * 60_000) add(at, i++);
  // The UTC day boundary, from both sides, and the rollup's own boundary.
  for (const iso of [
    "2026-03-04T23:59:59.999Z",
    "2026-03-05T00:00:00.000Z",
    "2026-03-09T23:59:59.999Z",
    "2026-03-10T00:00:00.000Z",
  ]) {
    add(Date.parse(iso) - 1500 * 0, i++);
  }
  await db.models.ChatMessage.bulkCreate(rows);
}
