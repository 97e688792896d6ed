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

/** One grouping key of an answer total: its expression on raw rows and on the rollup. */
interface Key {
  as: string;
  raw: string;
  rollup: string;
}

const PROVIDER: Key = { as: "provider", raw: "ai_provider", rollup: "provider" };
const MODEL: Key = { as: "model", raw: "COALESCE(ai_model, '')", rollup: "model" };

/** The columns of one source of answer totals (raw rows or a rollup table). */
interface Columns {
  provider: string;
  model: string;
  prompt: string;
  completion: string;
}
const RAW: Columns = {
  provider: PROVIDER.raw,
  model: MODEL.raw,
  prompt: "COALESCE(prompt_tokens, 0)",
  completion: "COALESCE(completion_tokens, 0)",
};
const ROLLED: Columns = {
  provider: PROVIDER.rollup,
  model: MODEL.rollup,
  prompt: "prompt_tokens",
  completion: "completion_tokens",
};

/**
 * The price table as SQL over a source's columns: `cost` (USD per million tokens times
 * tokens, NULL for a row the table does not price) and `unpriced` (1 for such a row).
 * Pricing in SQL lets a panel group by its own key alone — a session's rows of a dozen
 * models sum to one row in the database instead of a dozen sent here. The lookup is
 * the table's: `provider/model` first, then `model`. Keys and prices are replacements.
 */
function priceSql(q: Sql, prices: PriceTable | undefined, c: Columns) {
  const entries = Object.entries(prices ?? {});
  if (!entries.length) return { cost: "CAST(NULL AS NUMERIC)", unpriced: "1" };
  const whens = entries.map(([key, price], i) => {
    q.replacements[`priceKey${i}`] = key;
    q.replacements[`pricePrompt${i}`] = price.prompt;
    q.replacements[`priceCompletion${i}`] = price.completion;
    return `${c.prompt} * :pricePrompt${i} + ${c.completion} * :priceCompletion${i}`;
  });
  const full = `${c.provider} || '/' || ${c.model}`;
  const byFull = entries.map((_, i) => `WHEN ${full} = :priceKey${i} THEN ${whens[i]}`);
  const byModel = entries.map((_, i) => `WHEN ${c.model} = :priceKey${i} THEN ${whens[i]}`);
  const keys = entries.map((_, i) => `:priceKey${i}`).join(", ");
  return {
    cost: `CASE ${[...byFull, ...byModel].join(" ")} END`,
    unpriced: `CASE WHEN ${full} IN (${keys}) OR ${c.model} IN (${keys}) THEN 0 ELSE 1 END`,
  };
}

interface Totals {
  answers: number;
  promptTokens: number;
  completionTokens: number;
  cost: number | null;
}

/**
 * Answers, tokens and cost grouped by `keys`: raw answers outside the rollup, plus the
 * rollup table's rows (`where` picks them). `top` keeps the largest totals only.
 */
async function answerTotals(
  q: Sql,
  keys: Key[],
  rollup: { table: string; where: string; dayColumn: "day" | "q" },
  prices: PriceTable | undefined,
  { rawWhere = [], top = false }: { rawWhere?: string[]; top?: boolean } = {},
): Promise<(Row & Totals)[]> {
  const groupBy = keys.length ? `GROUP BY ${keys.map((_, i) => i + 1).join(", ")}` : "";
  const sums = (c: Columns) => {
    const price = priceSql(q, prices, c);
    return `SUM(${c.prompt}) AS prompt, SUM(${c.completion}) AS completion,
      SUM(${price.cost}) AS cost, MAX(${price.unpriced}) AS unpriced`;
  };
  const select = (k: keyof Key) => keys.map((key) => `${key[k]} AS ${key.as}, `).join("");
  const raw = q.raw(
    "chat_messages",
    [...q.answerConditions(), ...rawWhere],
    (from) => `SELECT ${select("raw")}COUNT(*) AS answers, ${sums(RAW)} ${from} ${groupBy}`,
  );
  const rolled = q.rollup(
    rollup.table,
    [rollup.where, ...q.rollupConditions()],
    (from) =>
      `SELECT ${select("rollup")}SUM(answers) AS answers, ${sums(ROLLED)} ${from} ${groupBy}`,
    rollup.dayColumn,
  );
  const names = keys.map((k) => k.as).join(", ");
  const outerGroup = keys.length ? `GROUP BY ${names}` : "";
  // Ties broken by the keys, so "top" is the same rows on every read.
  const order = top
    ? `ORDER BY SUM(prompt) + SUM(completion) DESC, ${names} LIMIT ${TOP_ROWS}`
    : "";
  const rows = await q.rows(`SELECT ${select("as")}SUM(answers) AS answers, SUM(prompt) AS prompt,
    SUM(completion) AS completion, SUM(cost) AS cost, MAX(unpriced) AS unpriced
    FROM ${union([...raw, ...rolled])} ${outerGroup} ${order}`);
  return rows
    .filter((r) => r.answers !== null && num(r.answers) > 0)
    .map((r) => ({
      ...r,
      answers: num(r.answers),
      promptTokens: num(r.prompt),
      completionTokens: num(r.completion),
      cost: num(r.unpriced) > 0 ? null : num(r.cost) / 1_000_000,
    }));
}

const QUARTERS = { table: "analytics_quarters", where: "kind = 'ai'", dayColumn: "q" } as const;
const daysOf = (dim: string) =>
  ({ table: "analytics_days", where: `dim = '${dim}'`, dayColumn: "day" }) as const;

const tokenRow = ({ promptTokens, completionTokens, cost }: Totals): TokenRow => ({
  promptTokens,
  completionTokens,
  cost,
});

/** Prompt and completion tokens per day (viewer's zone), with cost. */
export async function tokensByDay(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ day: string } & TokenRow)[]> {
  const q = new Sql(db, f);
  const day = { as: "day", raw: q.zoneDay(q.quarter()), rollup: q.zoneDay("q") };
  const rows = await answerTotals(q, [day], QUARTERS, prices);
  return rows
    .map((r) => ({ day: String(r.day), ...tokenRow(r) }))
    .sort((a, b) => a.day.localeCompare(b.day));
}

/** Tokens per provider and model, with the number of answers and cost. */
export async function tokensByModel(
  db: Db,
  f: AnalyticsFilter,
  prices?: PriceTable,
): Promise<({ provider: string; model: string; answers: number } & TokenRow)[]> {
  const rows = await answerTotals(new Sql(db, f), [PROVIDER, MODEL], QUARTERS, prices);
  return rows
    .map((r) => ({
      provider: String(r.provider),
      model: String(r.model ?? ""),
      answers: r.answers,
      ...tokenRow(r),
    }))
    .sort((a, b) => b.promptTokens + b.completionTokens - (a.promptTokens + a.completionTokens));
}

/** Providers and models answers came from in the range (for the filter menus). */
export async function modelChoices(
  db: Db,
  f: AnalyticsFilter,
): Promise<{ provider: string; model: string }[]> {
  const all = { from: f.from, to: f.to, tz: f.tz, rolledUpTo: f.rolledUpTo };
  const rows = await answerTotals(new Sql(db, all), [PROVIDER, MODEL], QUARTERS, undefined);
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
  const top = await answerTotals(q, [key], daysOf("asker"), prices, {
    rawWhere: ["asker_id IS NOT NULL"],
    top: true,
  });
  const names = await usernames(
    db,
    top.map((r) => String(r.key)),
  );
  return top.map((r) => ({
    userId: String(r.key),
    username: names.get(String(r.key)) ?? "(deleted)",
    ...tokenRow(r),
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
  const top = await answerTotals(q, [key], daysOf("session"), prices, { top: true });
  const sessions = top.length
    ? await db.models.ChatSession.findAll({
        where: { id: top.map((r) => String(r.key)) },
        attributes: ["id", "title"],
        raw: true,
      })
    : [];
  const titles = new Map(sessions.map((s) => [s.id, s.title]));
  return top.map((r) => ({
    sessionId: String(r.key),
    title: titles.get(String(r.key)) ?? "",
    ...tokenRow(r),
  }));
}
