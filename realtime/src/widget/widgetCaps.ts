import { rateLimited } from "@engunity/core";
import type { WidgetKey } from "@engunity/db";
import type { AppContext } from "../context";

/**
 * A key's daily caps, counted per UTC day on the same meter as the AI quota (in
 * process embedded, Redis scaled, so every node sees one count). A cap of 0 is no cap.
 * Counting comes first and the check after, so two racing requests cannot both slip
 * under the cap.
 */
export const widgetUsageKeys = {
  sessions: (keyId: string) => `widget:sessions:${keyId}`,
  messages: (keyId: string, userId: string) => `widget:messages:${keyId}:${userId}`,
  aiTokens: (keyId: string) => `widget:ai:${keyId}`,
};

function untilMidnight(): number {
  const midnight = new Date();
  midnight.setUTCHours(24, 0, 0, 0);
  return Math.max(1, Math.ceil((midnight.getTime() - Date.now()) / 1000));
}

async function spend(ctx: AppContext, counter: string, cap: number): Promise<void> {
  if (cap <= 0) return;
  await ctx.ai.usage.add(counter, 1);
  if ((await ctx.ai.usage.usedToday(counter)) > cap) throw rateLimited(untilMidnight());
}

/** One more visitor session today, or `rate_limited`. */
export function spendSession(ctx: AppContext, key: WidgetKey): Promise<void> {
  return spend(ctx, widgetUsageKeys.sessions(key.id), key.caps.sessionsPerDay);
}

/** One more message from this visitor today, or `rate_limited`. */
export function spendMessage(ctx: AppContext, key: WidgetKey, userId: string): Promise<void> {
  return spend(ctx, widgetUsageKeys.messages(key.id, userId), key.caps.messagesPerVisitorPerDay);
}

/** `rate_limited` once the key's AI tokens for today are spent. */
export async function checkAiTokens(ctx: AppContext, key: WidgetKey): Promise<void> {
  const cap = key.caps.aiTokensPerDay;
  if (cap > 0 && (await ctx.ai.usage.usedToday(widgetUsageKeys.aiTokens(key.id))) >= cap) {
    throw rateLimited(untilMidnight());
  }
}
