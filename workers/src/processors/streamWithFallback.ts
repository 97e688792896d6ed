import type { Logger } from "@engunity/core";
import type { Attempt, ProviderHealth } from "@engunity/shared";
import type { Breaker } from "../providers/breaker";
import { continuationPrompt } from "../providers/continuation";
import { failureNotice } from "../providers/failureNotice";
import type { ChatTurn, ProviderError, Usage } from "../providers/LlmProvider";
import { type AttemptTimeouts, runAttempt } from "../providers/providerAttempt";
import type { RouteStep } from "../providers/router";

export type { Attempt };

export interface FallbackResult {
  ok: boolean;
  provider: string;
  model: string;
  usage?: Usage;
  ttftMs?: number;
  finishReason?: string;
  attempts: Attempt[];
  error?: string;
}

/** When nothing real is left, a failure this quick to retry is tried once more. */
const RETRYABLE = new Set(["rate_limited", "server", "refused", "unavailable"]);
const DEFAULT_RETRY_MS = 250;

/**
 * Streams from the first provider that answers, and never keeps the room waiting on
 * one that will not:
 * - a failure (429, 5xx, timeout, refused connection) falls over to the next provider
 *   at once; only when no other real provider is left is a short `retry-after` (at
 *   most `retryAfterMaxMs`) waited out, once;
 * - a provider with a remembered rate limit or an open breaker is skipped (recorded as
 *   `skipped`);
 * - a stream cut mid-answer continues on the next real provider with the text so far
 *   as context (viewers see one answer go on); with none left the answer ends as
 *   `error` keeping the partial text — the offline notice is never glued onto it;
 * - offline, last, says exactly which providers failed and why.
 * Every attempt is recorded and each failure logged once at warn.
 */
export async function streamWithFallback(
  steps: RouteStep[],
  opts: {
    messages: ChatTurn[];
    /** The answer goes on from stored text (`continue`): never end it with the offline notice. */
    continuing?: boolean;
    maxTokens: number;
    signal: AbortSignal;
    breaker: Breaker;
    health: Map<string, ProviderHealth>;
    timeouts(provider: string): AttemptTimeouts;
    /** Providers this deployment lacks, for the offline notice. */
    unconfigured: readonly string[];
    privateSession: boolean;
    logger: Logger;
    messageId: string;
    onStart(provider: string, model: string): void;
    onText(text: string): void;
    onFailure(attempt: Attempt): void;
  },
): Promise<FallbackResult> {
  const attempts: Attempt[] = [];
  let partial = "";
  let last: ProviderError | null = null;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const name = step.provider.name;
    const model = step.model ?? step.provider.defaultModel;
    const offline = name === "offline";
    if (offline && (partial || opts.continuing)) break;
    if (!offline) {
      const gate = await opts.breaker.admit(name, opts.health.get(name));
      if (!gate.ok) {
        attempts.push({
          provider: name,
          model,
          outcome: "skipped",
          kind: gate.kind,
          ...(gate.until ? { until: gate.until } : {}),
          durationMs: 0,
        });
        continue;
      }
    }
    // A continuation goes on in the same answer: no new ai:start, which would reset it.
    if (!partial) opts.onStart(name, model);
    const notice = offline
      ? failureNotice(attempts, opts.unconfigured, opts.privateSession)
      : undefined;
    for (let retried = false; ; retried = true) {
      const result = await runAttempt(step.provider, {
        messages: partial ? continuationPrompt(opts.messages, partial) : opts.messages,
        model: step.model,
        maxTokens: opts.maxTokens,
        notice,
        signal: opts.signal,
        timeouts: opts.timeouts(name),
        onText: opts.onText,
      });
      if (result.ok) {
        attempts.push({
          provider: name,
          model,
          outcome: result.stopped ? "stopped" : "ok",
          ...(result.ttftMs !== undefined ? { ttftMs: result.ttftMs } : {}),
          durationMs: result.durationMs,
        });
        if (!offline && !result.stopped)
          await opts.breaker
            .success(name, opts.health.get(name))
            .catch((err) => opts.logger.warn({ err, provider: name }, "could not record health"));
        return {
          ok: true,
          provider: name,
          model,
          usage: result.usage,
          ttftMs: result.ttftMs,
          finishReason: result.finishReason,
          attempts,
        };
      }
      const err = result.error;
      last = err;
      partial += result.text;
      const until = await opts.breaker.failure(name, err).catch((e) => {
        opts.logger.warn({ err: e, provider: name }, "could not record health");
        return undefined;
      });
      const attempt: Attempt = {
        provider: name,
        model,
        outcome: err.kind === "rate_limited" ? "rate_limited" : "error",
        kind: err.kind,
        ...(err.opts.status !== undefined ? { status: err.opts.status } : {}),
        error: err.message,
        ...(until ? { until } : {}),
        ...(result.ttftMs !== undefined ? { ttftMs: result.ttftMs } : {}),
        durationMs: result.durationMs,
      };
      attempts.push(attempt);
      opts.onFailure(attempt);
      // Once, here, for every failure: provider, status, kind, reason — never a key.
      opts.logger.warn(
        {
          messageId: opts.messageId,
          provider: name,
          model,
          status: err.opts.status,
          kind: err.kind,
          reason: err.message,
          retryAfterMs: err.opts.retryAfterMs,
        },
        "AI provider failed",
      );
      const realLeft = steps.slice(i + 1).some((s) => s.provider.name !== "offline");
      const wait = err.opts.retryAfterMs ?? DEFAULT_RETRY_MS;
      if (
        !retried &&
        !realLeft &&
        !result.text &&
        !partial &&
        RETRYABLE.has(err.kind) &&
        wait <= opts.breaker.retryAfterMaxMs &&
        !opts.signal.aborted
      ) {
        await abortableSleep(wait, opts.signal);
        if (!opts.signal.aborted) continue;
      }
      break;
    }
    if (opts.signal.aborted) break;
  }
  const lastAttempt = attempts.at(-1);
  return {
    ok: false,
    provider: lastAttempt?.provider ?? "none",
    model: lastAttempt?.model ?? "none",
    attempts,
    error: last?.message ?? "no provider available",
  };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
