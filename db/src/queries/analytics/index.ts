import { activityByDay, messagesByUser, usageHeatmap } from "./activity";
import { aiFailures, errorsByDay } from "./events";
import { latencyByModel } from "./latency";
import { modelChoices, tokensByDay, tokensByModel, tokensBySession, tokensByUser } from "./tokens";

export { activityByDay, messagesByUser, usageHeatmap } from "./activity";
export { aiFailures, errorsByDay } from "./events";
export {
  binRange,
  binSql,
  EXACT_PERCENTILES_UP_TO,
  histogramPercentiles,
  type LatencyRow,
  latencyByModel,
  type Percentiles,
} from "./latency";
export { ROLLUP_SETTLE_MS, refreshAnalyticsRollup, rolledUpTo } from "./rollup";
export { sessionUsage } from "./sessionUsage";
export { type AnalyticsFilter, isTimeZone, TOP_ROWS, tzOffsetMinutes, zoneDays } from "./sql";
export {
  modelChoices,
  type PriceTable,
  type TokenRow,
  tokensByDay,
  tokensByModel,
  tokensBySession,
  tokensByUser,
} from "./tokens";

/**
 * Every panel, by name: the route answers all of them, the bench times each. Each reads
 * whole UTC days before `filter.rolledUpTo` from the rollup (migration 009) and the rest
 * of the range from indexed raw rows (migration 008).
 */
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
