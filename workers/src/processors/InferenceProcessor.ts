import type {
  AiRuntime,
  Config,
  GenerationJob,
  JobRun,
  Logger,
  ProviderCatalog,
  RoomEmitter,
} from "@engunity/core";
import { JobHandedBack, toError } from "@engunity/core";
import type { Db } from "@engunity/db";
import { sessionRoom } from "@engunity/shared";
import { buildContext } from "../context/buildContext";
import { pendingNotice, withDocuments } from "../context/documentContext";
import type { AiMetrics } from "../metrics";
import type { Breaker } from "../providers/breaker";
import { continuationPrompt } from "../providers/continuation";
import type { LlmProvider } from "../providers/LlmProvider";
import { routeProviders } from "../providers/router";
import { resolveCitations } from "../retrieval/citations";
import type { Retrieval, SessionRetriever } from "../retrieval/SessionRetriever";
import { finishWithRetry } from "./finishGeneration";
import { routeTable, timeoutsOf, unconfiguredProviders } from "./routing";
import { watchStop } from "./stopSignal";
import { type Attempt, streamWithFallback } from "./streamWithFallback";
import { TokenBatcher } from "./TokenBatcher";

export interface InferenceDeps {
  config: Config;
  db: Db;
  logger: Logger;
  emitter: RoomEmitter;
  runtime: AiRuntime;
  providers: Map<string, LlmProvider>;
  /** The provider catalog `GET /providers` serves: order, defaults, timeouts. */
  catalog: ProviderCatalog;
  breaker: Breaker;
  metrics: AiMetrics;
  /** Aborted when the worker shuts down. */
  shutdown: AbortSignal;
  /** Document retrieval; absent, answers use the conversation only. */
  retriever?: SessionRetriever;
}

/**
 * Runs one inference job: begins a new epoch in the resume log, builds the context,
 * streams through the router in batches of at most AI_BATCH_MS (log, then `ai:delta`), and writes
 * the final assistant message — the only writer of it — then `ai:done`.
 */
export function createInferenceProcessor(deps: InferenceDeps) {
  const { db, runtime, emitter, config, metrics } = deps;
  return async function processInference(job: GenerationJob, run: JobRun): Promise<void> {
    const placeholder = await db.models.ChatMessage.findByPk(job.messageId);
    // Already finished (a duplicate run, or a stop before it started): nothing to do.
    if (placeholder?.status !== "streaming") return;
    metrics.queueWait.observe((Date.now() - job.enqueuedAt) / 1000);
    const started = performance.now();
    const epoch = await runtime.log.begin(job.messageId, job.sessionId);
    const room = sessionRoom(job.sessionId);
    const stop = await watchStop(runtime, job.messageId, deps.shutdown);
    metrics.active.inc();

    let seq = 0;
    let content = "";
    const batcher = new TokenBatcher(config.AI_BATCH_MS, async (text) => {
      if (stop.superseded) return;
      const next = seq + 1;
      if (!(await runtime.log.append(job.messageId, { epoch, seq: next, text }))) {
        // A newer run of this job owns the generation now: stop, write nothing.
        stop.supersede();
        return;
      }
      seq = next;
      content += text;
      emitter
        .to(room)
        .emit("ai:delta", { sessionId: job.sessionId, messageId: job.messageId, epoch, seq, text });
      await runtime.bus.publish({ type: "delta", messageId: job.messageId, epoch, seq, text });
    });

    // `continue`: the text so far is the run's first batch, right after `ai:start` (which
    // resets viewers), so the log, the room and the stored answer hold the whole answer.
    let prior = job.mode === "continue" ? placeholder.content : "";
    const context = prior;

    const sendPrior = () => {
      if (prior) batcher.push(prior);
      prior = "";
    };

    let labelled: Promise<void> = Promise.resolve();
    let result: Awaited<ReturnType<typeof streamWithFallback>> | null = null;
    let error: Error | null = null;
    let retrieval: Retrieval = { passages: [], pending: [] };
    try {
      // Independent reads, at once: the path to the provider call waits on one round trip.
      const [session, history, health, found] = await Promise.all([
        db.models.ChatSession.findByPk(job.sessionId),
        buildContext(db, {
          sessionId: job.sessionId,
          userMessageId: job.userMessageId,
          budgetTokens: config.AI_CONTEXT_TOKENS,
        }),
        deps.breaker.snapshot(deps.catalog.order),
        retrieve(deps, job),
      ]);
      retrieval = found;
      const messages = withDocuments(history, retrieval);
      const preference = session?.settings?.preference;
      const steps = routeProviders(deps.providers, routeTable(deps.catalog), {
        requested: job.provider,
        requestedModel: job.model,
        sessionProvider: session?.settings?.provider,
        sessionModel: session?.settings?.model,
        preference,
      });
      result = await streamWithFallback(steps, {
        messages: context ? continuationPrompt(messages, context) : messages,
        continuing: Boolean(context),
        maxTokens: config.AI_MAX_TOKENS,
        signal: stop.signal,
        breaker: deps.breaker,
        health,
        timeouts: (name) => timeoutsOf(deps.catalog, name),
        unconfigured: unconfiguredProviders(deps.catalog),
        privateSession: preference === "private",
        logger: deps.logger,
        messageId: job.messageId,
        passages: retrieval.passages,
        documentsNotice: pendingNotice(retrieval.pending),
        onStart: (provider, model) => {
          // For the join snapshot: a viewer who joins mid-stream sees the same label.
          labelled = runtime.log.label(job.messageId, epoch, provider, model).catch((err) => {
            deps.logger.warn({ err }, "could not label the generation");
          });
          emitter.to(room).emit("ai:start", {
            sessionId: job.sessionId,
            messageId: job.messageId,
            provider,
            model,
            epoch,
          });
          sendPrior();
        },
        onText: (text) => batcher.push(text),
        onFailure: (a: Attempt) => metrics.failures.inc({ provider: a.provider, kind: a.outcome }),
      });
    } catch (err) {
      error = toError(err);
    }
    // Nothing started (every provider skipped): the stored text still stays.
    sendPrior();
    try {
      await batcher.flush();
    } catch (err) {
      error ??= toError(err);
    }
    await labelled;
    metrics.active.dec();
    await stop.release();
    if (stop.superseded) return;
    if (deps.shutdown.aborted && !stop.stopped) {
      // The grace period is over: the queue gives the job to another worker (scaled) or
      // the start-up sweep closes it (embedded).
      throw new JobHandedBack();
    }
    const durationMs = Math.round(performance.now() - started);
    if (result?.ttftMs !== undefined)
      metrics.ttft.observe({ provider: result.provider }, result.ttftMs / 1000);
    if (result?.usage && durationMs > 0) {
      metrics.tokensPerSecond.observe(
        { provider: result.provider },
        result.usage.completionTokens / (durationMs / 1000),
      );
    }
    // Counted against the asker's daily quota before `ai:done`, so the next ask sees it;
    // a missing usage report counts the text.
    const spent = result?.usage
      ? result.usage.promptTokens + result.usage.completionTokens
      : Math.ceil(content.length / 4);
    await Promise.all(
      [job.userId, ...(job.usageKeys ?? [])].map((k) => runtime.usage.add(k, spent)),
    ).catch((err) => deps.logger.warn({ err }, "could not record AI usage"));
    const cited = resolveCitations(content, retrieval.passages);
    await finishWithRetry(deps, job, {
      content: cited.content,
      citations: cited.citations,
      notice: pendingNotice(retrieval.pending),
      status: stop.stopped ? "stopped" : error || !result?.ok ? "error" : "complete",
      stoppedBy: stop.stoppedBy,
      provider: result?.provider,
      model: result?.model,
      usage: result?.usage,
      ttftMs: result?.ttftMs,
      durationMs,
      attempts: result?.attempts ?? [],
      finishReason: result?.finishReason,
      error: error?.message ?? result?.error,
      attempt: run.attempt,
    });
  };
}

/**
 * The passages of the session's documents for the question being answered. A
 * retrieval failure costs the answer its documents, never the answer.
 */
async function retrieve(deps: InferenceDeps, job: GenerationJob): Promise<Retrieval> {
  if (!deps.retriever) return { passages: [], pending: [] };
  try {
    const question = await deps.db.models.ChatMessage.findByPk(job.userMessageId);
    if (!question?.content.trim()) return { passages: [], pending: [] };
    return await deps.retriever.retrieve(
      job.sessionId,
      question.content,
      deps.config.RETRIEVAL_TOP_K,
    );
  } catch (err) {
    deps.logger.warn({ err, sessionId: job.sessionId }, "document retrieval failed");
    return { passages: [], pending: [] };
  }
}
