import type { Db } from "../../index";
import { type AnalyticsFilter, num, type Row, Sql, TOP_ROWS, union, usernames } from "./sql";

/** USD per million tokens, keyed `provider/model` or `model` (the first that matches wins). */
export type PriceTable = Record<string, { prompt: number; completion: number }>;

export interface TokenRow {
  promptTokens: number;
  completionTokens: number;
  /** USD, null when the price table does not list a model in the row. */
  cost: number | null;
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

/** One grouping key of an answer total: its expression on raw rows and on the rollup. */
interface Key {
  as: string;
  raw: string;
  rollup: string;
}

const PROVIDER: Key = { as: "provider", raw: "ai_provider", rollup: "provider" };
const MODEL: Key = { as: "model", raw: "COALESCE(ai_model, '')", rollup: "model" };

/**
 * Answers and tokens grouped by `keys` (always with provider and model, for cost):
 * raw answers outside the rollup, plus the rollup table's rows (`where` picks them).
 */
async function answerTotals(
  q: Sql,
  keys: Key[],
  rollup: { table: string; where: string; dayColumn: "day" | "q" },
  rawWhere: string[] = [],
): Promise<Row[]> {
  const all = [...keys, PROVIDER, MODEL];
  const groupBy = all.map((_, i) => i + 1).join(", ");
  const raw = q.raw(
    "chat_messages",
    [...q.answerConditions(), ...rawWhere],
    (from) => `SELECT ${all.map((k) => `${k.raw} AS ${k.as}`).join(", ")},
      COUNT(*) AS answers, SUM(COALESCE(prompt_tokens, 0)) AS prompt,
      SUM(COALESCE(completion_tokens, 0)) AS completion ${from} GROUP BY ${groupBy}`,
  );
  const rolled = q.rollup(
    rollup.table,
    [rollup.where, ...q.rollupConditions()],
    (from) => `SELECT ${all.map((k) => `${k.rollup} AS ${k.as}`).join(", ")},
      SUM(answers) AS answers, SUM(prompt_tokens) AS prompt,
      SUM(completion_tokens) AS completion ${from} GROUP BY ${groupBy}`,
    rollup.dayColumn,
  );
  const names = all.map((k) => k.as).join(", ");
  return q.rows(`SELECT ${names}, SUM(answers) AS answers, SUM(prompt) AS prompt,
    SUM(completion) AS completion FROM ${union([...raw, ...rolled])} GROUP BY ${names}`);
}

const QUARTERS = { table: "analytics_quarters", where: "kind = 'ai'", dayColumn: "q" } as const;
const daysOf = (dim: string) =>
  ({ table: "analytics_days", where: `dim = '${dim}'`, dayColumn: "day" }) as const;

/** Sums token rows that share `key`, pricing each provider/model part. */
function sumTokens<K extends string>(
  rows: Row[],
  keyOf: (r: Row) => K,
  prices: PriceTable | undefined,
): Map<K, TokenRow & { answers: number }> {
  const out = new Map<K, TokenRow & { answers: number }>();
  for (const r of rows) {
    const key = keyOf(r);
    const prompt = num(r.prompt);
    const completion = num(r.completion);
    const cost = costOf(prices, String(r.provider), String(r.model), prompt, completion);
    const acc = out.get(key) ?? { answers: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
    acc.answers += num(r.answers);
    acc.promptTokens += prompt;
    acc.completionTokens += completion;
    acc.cost = acc.cost === null || cost === null ? null : acc.cost + cost;
    out.set(key, acc);
  }
  return out;
}

const tokenRow = ({ promptTokens, completionTokens, cost }: TokenRow): TokenRow => ({
  promptTokens,
  completionTokens,
  cost,
});

/** Largest total first, top 50. */
function topOf<K, T extends TokenRow>(sums: Map<K, T>): [K, T][] {
  return [...sums]
    .sort(
      ([, a], [, b]) => b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens),
    )
    .slice(0, TOP_ROWS);
}

/** Prompt and completion tokens per day (viewer's zone), with cost. */
export async function tokensByDay(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ day: string } & TokenRow)[]> {
  const q = new Sql(db, f);
  const day = { as: "day", raw: q.zoneDay(q.quarter()), rollup: q.zoneDay("q") };
  const rows = await answerTotals(q, [day], QUARTERS);
  const sums = sumTokens(rows, (r) => String(r.day), prices);
  return [...sums]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([day, t]) => ({ day, ...tokenRow(t) }));
}

/** Tokens per provider and model, with the number of answers and cost. */
export async function tokensByModel(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ provider: string; model: string; answers: number } & TokenRow)[]> {
  const rows = await answerTotals(new Sql(db, f), [], QUARTERS);
  // One row per provider/model already: price each.
  return rows
    .map((r) => {
      const provider = String(r.provider);
      const model = String(r.model ?? "");
      const t = sumTokens([r], () => "", prices).get("")!;
      return { provider, model, ...t };
    })
    .sort((a, b) => b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens));
}

/** Providers and models answers came from in the range (for the filter menus). */
export async function modelChoices(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ provider: string; model: string }[]> {
  const all = { from: f.from, to: f.to, tz: f.tz, rolledUpTo: f.rolledUpTo };
  const rows = await answerTotals(new Sql(db, all), [], QUARTERS);
  return rows
    .map((r) => ({ provider: String(r.provider), model: String(r.model ?? "") }))
    .sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
}

/** Tokens per user who asked (top 50 by total), with cost. */
export async function tokensByUser(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ userId: string; username: string } & TokenRow)[]> {
  const q = new Sql(db, f);
  const key = { as: "key", raw: "CAST(asker_id AS TEXT)", rollup: "key" };
  const rows = await answerTotals(q, [key], daysOf("asker"), ["asker_id IS NOT NULL"]);
  const top = topOf(sumTokens(rows, (r) => String(r.key), prices));
  const names = await usernames(
    db,
    top.map(([id]) => id),
  );
  return top.map(([userId, t]) => ({
    userId,
    username: names.get(userId) ?? "(deleted)",
    ...tokenRow(t),
  }));
}

/** Tokens per session (top 50 by total), with cost. */
export async function tokensBySession(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ sessionId: string; title: string } & TokenRow)[]> {
  const q = new Sql(db, f);
  const key = { as: "key", raw: "CAST(session_id AS TEXT)", rollup: "key" };
  const rows = await answerTotals(q, [key], daysOf("session"));
  const top = topOf(sumTokens(rows, (r) => String(r.key), prices));
  const sessions = top.length
    ? await db.models.ChatSession.findAll({
        where: { id: top.map(([id]) => id) },
        attributes: ["id", "title"],
        raw: true,
      })
    : [];
  const titles = new Map(sessions.map((s) => [s.id, s.title]));
  return top.map(([sessionId, t]) => ({
    sessionId,
    title: titles.get(sessionId) ?? "",
    ...tokenRow(t),
  }));
}
