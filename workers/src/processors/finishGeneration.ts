import type { GenerationJob } from "@engunity/core";
import { presentMessage } from "@engunity/db";
import { type Citation, type MessageStatus, type Stopper, sessionRoom } from "@engunity/shared";
import type { Usage } from "../providers/LlmProvider";
import type { InferenceDeps } from "./InferenceProcessor";
import type { Attempt } from "./streamWithFallback";

export interface GenerationOutcome {
  content: string;
  status: Exclude<MessageStatus, "streaming">;
  provider?: string;
  model?: string;
  usage?: Usage;
  ttftMs?: number;
  durationMs?: number;
  attempts: Attempt[];
  error?: string;
  /** The model's stop reason (`length`: the token limit, so it can be continued). */
  finishReason?: string;
  /** Which run of the job this was (2 after a stall). */
  attempt?: number;
  /** Document passages the answer cites. */
  citations?: Citation[];
  /** Said when some documents were still being indexed. */
  notice?: string;
  /** On a stopped answer: who stopped it. */
  stoppedBy?: Stopper;
}

/**
 * Writes the final assistant message and announces `ai:done`. The update only applies
 * to a placeholder still `streaming`, so a job can never complete twice.
 */
export async function finishGeneration(
  deps: Pick<InferenceDeps, "db" | "runtime" | "emitter" | "logger">,
  job: Pick<GenerationJob, "messageId" | "sessionId"> & { userId?: string },
  outcome: GenerationOutcome,
): Promise<boolean> {
  const { db, runtime, emitter } = deps;
  const row = await db.models.ChatMessage.findByPk(job.messageId);
  const metadata = {
    ...(row?.metadata ?? {}),
    ...(outcome.provider ? { provider: outcome.provider } : {}),
    ...(outcome.model ? { model: outcome.model } : {}),
    ...(outcome.usage ? { usage: outcome.usage } : {}),
    ...(outcome.ttftMs !== undefined ? { ttftMs: outcome.ttftMs } : {}),
    ...(outcome.durationMs !== undefined ? { durationMs: outcome.durationMs } : {}),
    ...(outcome.error && outcome.status === "error" ? { error: outcome.error } : {}),
    attempts: outcome.attempts,
    ...(outcome.citations?.length ? { citations: outcome.citations } : {}),
    ...(outcome.notice ? { notice: outcome.notice } : {}),
    ...(outcome.finishReason ? { finishReason: outcome.finishReason } : {}),
    ...(outcome.attempt && outcome.attempt > 1 ? { runs: outcome.attempt } : {}),
    ...(outcome.status === "stopped" && outcome.stoppedBy ? { stoppedBy: outcome.stoppedBy } : {}),
  };
  const [count] = await db.models.ChatMessage.update(
    {
      content: outcome.content,
      status: outcome.status,
      metadata,
      ...analyticsColumns(outcome),
      ...(job.userId ? { askerId: job.userId } : {}),
    },
    { where: { id: job.messageId, status: "streaming" } },
  );
  await runtime.log.finish(job.messageId, job.sessionId);
  if (count !== 1) return false;
  const failed = outcome.attempts.filter(
    (a) => a.outcome === "error" || a.outcome === "rate_limited",
  );
  if (failed.length) {
    // For the admin dashboard's "AI failures"; losing these must not fail the answer.
    await db.models.AppEvent.bulkCreate(
      failed.map((a) => ({
        kind: "ai_failure" as const,
        detail: a.outcome,
        provider: a.provider.slice(0, 32),
        userId: job.userId || null,
        createdAt: new Date(),
      })),
    ).catch((err: unknown) => deps.logger.warn({ err }, "could not record AI failures"));
  }
  const saved = await db.models.ChatMessage.findByPk(job.messageId, {
    include: [{ association: "author" }],
  });
  if (saved)
    emitter
      .to(sessionRoom(job.sessionId))
      .emit("ai:done", { sessionId: job.sessionId, message: presentMessage(saved) });
  await runtime.bus.publish({ type: "done", messageId: job.messageId });
  return true;
}

/** The answer's numbers as the indexed columns the admin analytics read (migration 008). */
function analyticsColumns(outcome: GenerationOutcome) {
  const int = (v: number | undefined) =>
    typeof v === "number" && Number.isFinite(v) ? Math.round(v) : null;
  return {
    aiProvider: outcome.provider?.slice(0, 32) ?? null,
    aiModel: outcome.model?.slice(0, 128) ?? null,
    promptTokens: int(outcome.usage?.promptTokens),
    completionTokens: int(outcome.usage?.completionTokens),
    ttftMs: int(outcome.ttftMs),
    durationMs: int(outcome.durationMs),
  };
}

/**
 * `finishGeneration`, retried with backoff: the answer is complete in memory, and a
 * database blip must not leave it `streaming` (Hocuspocus-style: keep state, retry).
 */
export async function finishWithRetry(
  deps: Pick<InferenceDeps, "db" | "runtime" | "emitter" | "logger">,
  job: Pick<GenerationJob, "messageId" | "sessionId"> & { userId?: string },
  outcome: GenerationOutcome,
  tries = 5,
): Promise<boolean> {
  for (let i = 1; ; i++) {
    try {
      return await finishGeneration(deps, job, outcome);
    } catch (err) {
      if (i >= tries) throw err;
      deps.logger.warn(
        { err, messageId: job.messageId, try: i },
        "could not store the answer; retrying",
      );
      await new Promise((r) => setTimeout(r, 250 * 2 ** (i - 1)));
    }
  }
}
