import { aRole, can, forbidden, type GenerationJob, rateLimited } from "@engunity/core";
import { type ChatMessage, type ChatSession, countMembers } from "@engunity/db";
import { defaultAiMode, type Role } from "@engunity/shared";
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
  const mode = session.settings?.aiMode ?? defaultAiMode(await countMembers(ctx.db, session.id));
  return mode === "every" || MENTION.test(content);
}

/**
 * Lets a member with `role` ask the AI: the role allows it, the per-minute rate and the
 * daily token quota are not spent. Throws `forbidden` or `rate_limited`. A retried send
 * never gets here (the send command answers it from what was stored).
 */
export async function admitAi(ctx: AppContext, userId: string, role: Role): Promise<void> {
  if (!can(role, "askAi")) throw forbidden(`${aRole(role)} may not ask the AI here`);
  const quota = ctx.config.AI_DAILY_TOKEN_QUOTA;
  if (quota > 0 && (await ctx.ai.usage.usedToday(userId)) >= quota) {
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    throw rateLimited(Math.max(1, Math.ceil((midnight.getTime() - Date.now()) / 1000)));
  }
  await ctx.limiters.ai.consume(userId);
}

/** What an answer is asked with: provider preference, and extra usage counters (a widget key's). */
export interface AnswerPreference {
  provider?: string;
  model?: string;
  usageKeys?: string[];
}

/** Queues the job that answers `userMessage` into `assistant` (job id = assistant id). */
/** A revised answer: who asked (their quota pays), continue or not. */
export interface AnswerRevision {
  userId?: string;
  mode?: GenerationJob["mode"];
}

export async function enqueueAnswer(
  ctx: AppContext,
  userMessage: ChatMessage,
  assistant: ChatMessage,
  pref: AnswerPreference,
  revision?: AnswerRevision,
): Promise<void> {
  // A revised answer runs again under its old id: an earlier stop must not stop it.
  if (revision) await ctx.ai.bus.forget(assistant.id);
  revision ??= {};
  const version = assistant.metadata?.version;
  const job: GenerationJob = {
    messageId: assistant.id,
    sessionId: assistant.sessionId,
    userId: revision.userId ?? userMessage.authorId ?? "",
    userMessageId: userMessage.id,
    provider: pref.provider,
    model: pref.model,
    enqueuedAt: Date.now(),
    ...(pref.usageKeys?.length ? { usageKeys: pref.usageKeys } : {}),
    ...(revision.mode ? { mode: revision.mode } : {}),
    ...(version && version > 1 ? { version } : {}),
  };
  await ctx.ai.queue.enqueue(job);
}
