import {
  type ChatTurn,
  fromSdkError,
  type LlmProvider,
  ProviderError,
  type Usage,
} from "./LlmProvider";

export interface AttemptTimeouts {
  /** Until the first token (covers a hang before the first byte). */
  firstTokenTimeoutMs: number;
  /** The whole answer. */
  totalTimeoutMs: number;
}

export type AttemptResult =
  | {
      ok: true;
      stopped: boolean;
      usage?: Usage;
      finishReason?: string;
      ttftMs?: number;
      durationMs: number;
    }
  | { ok: false; error: ProviderError; ttftMs?: number; durationMs: number; text: string };

/**
 * Streams one provider once, with its own timeouts: no first token within
 * `firstTokenTimeoutMs`, or no end within `totalTimeoutMs`, aborts the request and fails
 * the attempt as `timeout` (the connect timeout is the SDK's own). A stop ends it
 * quietly. Text goes to `onText` as it comes; on failure `text` is what was streamed.
 */
export async function runAttempt(
  provider: LlmProvider,
  req: {
    messages: ChatTurn[];
    model?: string;
    maxTokens: number;
    notice?: string;
    signal: AbortSignal;
    timeouts: AttemptTimeouts;
    onText(text: string): void;
  },
): Promise<AttemptResult> {
  const t0 = performance.now();
  const controller = new AbortController();
  const onStop = () => controller.abort();
  req.signal.addEventListener("abort", onStop, { once: true });
  let timedOut: string | null = null;
  const arm = (ms: number, what: string) =>
    setTimeout(() => {
      timedOut = `${provider.name}: ${what} within ${ms} ms`;
      controller.abort();
    }, ms);
  let firstToken: NodeJS.Timeout | null = arm(req.timeouts.firstTokenTimeoutMs, "no first token");
  const total = arm(req.timeouts.totalTimeoutMs, "no complete answer");
  let ttftMs: number | undefined;
  let usage: Usage | undefined;
  let finishReason: string | undefined;
  let text = "";
  let failure: unknown = null;
  try {
    for await (const chunk of provider.stream({
      messages: req.messages,
      model: req.model,
      maxTokens: req.maxTokens,
      signal: controller.signal,
      notice: req.notice,
    })) {
      if (chunk.type === "usage") usage = chunk.usage;
      else if (chunk.type === "finish") finishReason = chunk.reason;
      else if (chunk.type === "text" && chunk.text) {
        if (firstToken) {
          clearTimeout(firstToken);
          firstToken = null;
          ttftMs = Math.round(performance.now() - t0);
        }
        text += chunk.text;
        req.onText(chunk.text);
      }
    }
  } catch (err) {
    failure = err;
  } finally {
    if (firstToken) clearTimeout(firstToken);
    clearTimeout(total);
    req.signal.removeEventListener("abort", onStop);
  }
  const durationMs = Math.round(performance.now() - t0);
  if (timedOut && !req.signal.aborted) {
    return {
      ok: false,
      error: new ProviderError(provider.name, timedOut, { kind: "timeout" }),
      ttftMs,
      durationMs,
      text,
    };
  }
  if (req.signal.aborted) return { ok: true, stopped: true, usage, ttftMs, durationMs };
  if (failure) {
    const error = fromSdkError(provider.name, failure);
    // Whatever broke after text was streamed broke the answer mid-way.
    const cut =
      text && error.kind !== "cut"
        ? new ProviderError(provider.name, error.message, { ...error.opts, kind: "cut" })
        : error;
    return { ok: false, error: cut, ttftMs, durationMs, text };
  }
  return { ok: true, stopped: false, usage, finishReason, ttftMs, durationMs };
}
