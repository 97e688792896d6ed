import { DataTypes, type QueryInterface } from "sequelize";

/**
 * The admin analytics rollup: whole UTC days of `chat_messages` summed once, so a
 * 30-day panel reads a few thousand rows instead of every message (issue 15).
 * Written by `refreshAnalyticsRollup` up to a watermark kept in
 * `analytics_rollup_state`; the panels read raw rows outside it (queries/analytics).
 *
 * - `analytics_quarters`: per 15-minute UTC bucket (`q` = epoch seconds / 900) and
 *   provider/model, answers and tokens (`kind` 'ai') or messages people wrote ('w').
 *   15 minutes divides every zone offset, so days and the heatmap stay exact in any zone.
 * - `analytics_days`: per UTC day (`day` = epoch seconds / 86400) and one key:
 *   `dim` 'asker' (tokens per user), 'session' (tokens per session), 'author' and
 *   'sess_w' (messages written; `q_lo`/`q_hi` carry the 96 quarter-hours of the day
 *   with a message as bits, so active users and sessions per zone day stay exact).
 * - `analytics_latency`: per UTC day and provider/model, a histogram of first-token
 *   (`t`) and total (`d`) times in log-linear bins (see latency.ts), and the answer
 *   count (`a`, bin 0).
 */
export async function up({ context: qi }: { context: QueryInterface }): Promise<void> {
  const int = { type: DataTypes.INTEGER, allowNull: false };
  const big = { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 };
  const provider = { type: DataTypes.STRING(32), allowNull: false };
  const model = { type: DataTypes.STRING(128), allowNull: false };
  await qi.createTable("analytics_quarters", {
    q: { ...int, primaryKey: true },
    kind: { type: DataTypes.STRING(2), allowNull: false, primaryKey: true },
    provider: { ...provider, primaryKey: true },
    model: { ...model, primaryKey: true },
    answers: big,
    prompt_tokens: big,
    completion_tokens: big,
    written: big,
  });
  await qi.createTable("analytics_days", {
    day: { ...int, primaryKey: true },
    dim: { type: DataTypes.STRING(8), allowNull: false, primaryKey: true },
    key: { type: DataTypes.STRING(36), allowNull: false, primaryKey: true },
    provider: { ...provider, primaryKey: true },
    model: { ...model, primaryKey: true },
    answers: big,
    prompt_tokens: big,
    completion_tokens: big,
    written: big,
    q_lo: big,
    q_hi: big,
  });
  // Each panel reads one dim over a day range.
  await qi.addIndex("analytics_days", ["dim", "day"], { name: "analytics_days_dim_day" });
  await qi.createTable("analytics_latency", {
    day: { ...int, primaryKey: true },
    provider: { ...provider, primaryKey: true },
    model: { ...model, primaryKey: true },
    measure: { type: DataTypes.STRING(1), allowNull: false, primaryKey: true },
    bin: { ...int, primaryKey: true },
    n: big,
  });
  await qi.createTable("analytics_rollup_state", {
    id: { type: DataTypes.INTEGER, primaryKey: true },
    /** Every UTC day before this one (epoch days) is in the rollup. */
    rolled_up_to_day: { type: DataTypes.INTEGER, allowNull: false },
  });
}

export async function down({ context: qi }: { context: QueryInterface }): Promise<void> {
  for (const table of [
    "analytics_rollup_state",
    "analytics_latency",
    "analytics_days",
    "analytics_quarters",
  ]) {
    await qi.dropTable(table);
  }
}
