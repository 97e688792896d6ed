import type { ChatTurn, PassageRef, Usage } from "../providers/LlmProvider";
import { ProviderError } from "../providers/LlmProvider";
import type { RouteStep } from "../providers/router";

/** One provider tried for an answer, as recorded in the message metadata. */
export interface Attempt {
  provider: string;
  model: string;
  outcome: "ok" | "error" | "rate_limited" | "stopped";
  error?: string;
  ttftMs?: number;
  durationMs: number;
}

export interface FallbackResult {
  ok: boolean;
  provider: string;
  model: string;
  usage?: Usage;
  ttftMs?: number;
  attempts: Attempt[];
  error?: string;
}

/**
 * Streams from the first provider that answers. A provider that fails before its first
 * token (error, 429) hands over to the next; one that fails after it has streamed text
 * ends the answer as an error, since viewers already saw its words.
 */
export async function streamWithFallback(
  steps: RouteStep[],
  opts: {
    messages: ChatTurn[];
    maxTokens: number;
    signal: AbortSignal;
    passages?: readonly PassageRef[];
    notice?: string;
    onStart(provider: string, model: string): void;
    onText(text: string): void;
    onFailure(attempt: Attempt): void;
  },
): Promise<FallbackResult> {
  const attempts: Attempt[] = [];
  let last: FallbackResult | null = null;
  for (const step of steps) {
    const model = step.model ?? step.provider.defaultModel;
    const t0 = performance.now();
    let ttftMs: number | undefined;
    let usage: Usage | undefined;
    opts.onStart(step.provider.name, model);
    try {
      for await (const chunk of step.provider.stream({
        messages: opts.messages,
        model: step.model,
        maxTokens: opts.maxTokens,
        signal: opts.signal,
        passages: opts.passages,
        notice: opts.notice,
      })) {
        if (chunk.type === "usage") usage = chunk.usage;
        else if (chunk.text) {
          ttftMs ??= Math.round(performance.now() - t0);
          opts.onText(chunk.text);
        }
      }
      const outcome = opts.signal.aborted ? "stopped" : "ok";
      attempts.push({
        provider: step.provider.name,
        model,
        outcome,
        ttftMs,
        durationMs: Math.round(performance.now() - t0),
      });
      return { ok: true, provider: step.provider.name, model, usage, ttftMs, attempts };
    } catch (err) {
      const rateLimited = err instanceof ProviderError && err.opts.rateLimited === true;
      const attempt: Attempt = {
        provider: step.provider.name,
        model,
        outcome: rateLimited ? "rate_limited" : "error",
        error: (err as Error).message,
        ttftMs,
        durationMs: Math.round(performance.now() - t0),
      };
      attempts.push(attempt);
      opts.onFailure(attempt);
      last = {
        ok: false,
        provider: step.provider.name,
        model,
        usage,
        ttftMs,
        attempts,
        error: attempt.error,
      };
      if (ttftMs !== undefined || opts.signal.aborted) return last;
    }
  }
  return (
    last ?? { ok: false, provider: "none", model: "none", attempts, error: "no provider available" }
  );
}
