import {
  authorize,
  createRateLimiter,
  type GenerationJob,
  type RateLimiter,
  rateLimited,
} from "@engunity/core";
import { type ChatMessage, type ChatSession, countMembers } from "@engunity/db";
import type { AppContext } from "../context";

/** A message that mentions the assistant: `@ai` as a word, any case. */
const MENTION = /(^|[^\w@])@ai\b/i;

/**
 * Whether a send asks the AI (PROTOCOL): `ai: false` never, `ai: true` always, otherwise
 * the session's aiMode — `every` message, only `@ai` mentions, or `off` (a human took
 * the session over: nothing asks the AI but an explicit `ai: true`). Unset, a solo session
 * answers every message and a shared one only mentions.
 */
export async function asksAi(
  ctx: AppContext,
  session: ChatSession,
  content: string,
  ai?: boolean,
): Promise<boolean> {
  if (ai !== undefined) return ai;
  if (session.settings?.aiMode === "off") return false;
  const mode =
    session.settings?.aiMode ??
    ((await countMembers(ctx.db, session.id)) > 1 ? "mention" : "every");
  return mode === "every" || MENTION.test(content);
}

const limiters = new WeakMap<AppContext, RateLimiter>();

/**
 * Lets `userId` ask the AI in a session: the role allows it, the per-minute rate and
 * the daily token quota are not spent. Throws `forbidden` or `rate_limited`.
 */
export async function admitAi(
  ctx: AppContext,
  userId: string,
  sessionId: string,
  clientId?: string,
): Promise<void> {
  await authorize(ctx.db, userId, sessionId, "askAi");
  // A retried send (same clientId, its ack was lost) asks nothing new: never refuse it.
  if (clientId && (await ctx.db.models.ChatMessage.count({ where: { sessionId, clientId } })) > 0) {
    return;
  }
  let limiter = limiters.get(ctx);
  if (!limiter) {
    limiter = createRateLimiter({
      keyPrefix: `${ctx.config.REDIS_PREFIX}:rl:ai`,
      points: ctx.config.AI_RATE_PER_MINUTE,
      durationSeconds: 60,
      redis: ctx.redis ?? undefined,
    });
    limiters.set(ctx, limiter);
  }
  const quota = ctx.config.AI_DAILY_TOKEN_QUOTA;
  if (quota > 0 && (await ctx.ai.usage.usedToday(userId)) >= quota) {
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    throw rateLimited(Math.max(1, Math.ceil((midnight.getTime() - Date.now()) / 1000)));
  }
  await limiter.consume(userId);
}

/** Queues the job that answers `userMessage` into `assistant` (job id = assistant id). */
export async function enqueueAnswer(
  ctx: AppContext,
  userMessage: ChatMessage,
  assistant: ChatMessage,
  pref: { provider?: string; model?: string; usageKeys?: string[] },
): Promise<void> {
  const job: GenerationJob = {
    messageId: assistant.id,
    sessionId: assistant.sessionId,
    userId: userMessage.authorId ?? "",
    userMessageId: userMessage.id,
    provider: pref.provider,
    model: pref.model,
    enqueuedAt: Date.now(),
    ...(pref.usageKeys?.length ? { usageKeys: pref.usageKeys } : {}),
  };
  await ctx.ai.queue.enqueue(job);
}
