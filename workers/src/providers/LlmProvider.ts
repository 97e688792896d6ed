import type { FailureKind } from "@engunity/shared";

/** One turn of the prompt sent to a model. */
export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface StreamRequest {
  messages: ChatTurn[];
  /** Absent: the provider's default model. */
  model?: string;
  maxTokens: number;
  /** Aborting stops the request upstream (a stop, a shutdown, a timeout). */
  signal: AbortSignal;
  /** For the offline provider: why no model answered, said before anything else. */
  notice?: string;
}

/**
 * What a provider yields while it streams: `open` once the response has started (HTTP
 * headers in), text deltas, `finish` with the model's reason (`length` = token limit),
 * usage when it knows it.
 */
export type StreamChunk =
  | { type: "open" }
  | { type: "text"; text: string }
  | { type: "finish"; reason: string }
  | { type: "usage"; usage: Usage };

/**
 * An LLM backend (Groq, a local GGUF, an OpenAI-compatible server, offline). The router
 * picks one; the inference processor consumes `stream`. Providers never retry: the
 * failover decides what a failure costs.
 */
export interface LlmProvider {
  readonly name: string;
  readonly defaultModel: string;
  stream(request: StreamRequest): AsyncIterable<StreamChunk>;
  close?(): Promise<void>;
}

/**
 * A provider failure the failover understands: its kind, the HTTP status, and how long
 * the provider asked us to stay away (`retry-after-ms` or `retry-after`).
 */
export class ProviderError extends Error {
  override name = "ProviderError";
  readonly kind: FailureKind;
  constructor(
    readonly provider: string,
    message: string,
    readonly opts: {
      kind?: FailureKind;
      status?: number;
      rateLimited?: boolean;
      retryAfterSeconds?: number;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: opts.cause });
    this.kind = opts.kind ?? (opts.rateLimited ? "rate_limited" : "server");
  }
}

/** `retry-after-ms`, else `retry-after` as seconds or an HTTP date, in ms. */
export function retryAfterMs(headers: { get?(k: string): string | null } | undefined) {
  const ms = Number(headers?.get?.("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers?.get?.("retry-after");
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** The first `code` (ECONNREFUSED, ETIMEDOUT…) along an error's cause chain. */
function causeCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 6; i++) {
    if (typeof e.code === "string") return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/** An SDK error (groq-sdk and openai share the shape) as a ProviderError. */
export function fromSdkError(provider: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as {
    status?: number;
    message?: string;
    headers?: { get?(k: string): string | null };
    constructor?: { name?: string };
  };
  const status = typeof e?.status === "number" ? e.status : undefined;
  const after = retryAfterMs(e?.headers);
  const code = causeCode(err);
  const cls = e?.constructor?.name ?? "";
  const kind: FailureKind =
    status === 429
      ? "rate_limited"
      : status !== undefined && status >= 500
        ? "server"
        : status !== undefined
          ? "client"
          : cls === "APIConnectionTimeoutError" || code === "ETIMEDOUT"
            ? "timeout"
            : code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH"
              ? "refused"
              : "unavailable";
  const detail = kind === "refused" ? `connection refused (${code})` : (e?.message ?? String(err));
  return new ProviderError(provider, `${provider}: ${detail}`, {
    kind,
    status,
    rateLimited: status === 429,
    retryAfterMs: after,
    retryAfterSeconds: after === undefined ? undefined : after / 1000,
    cause: err,
  });
}

/** True when `err` came from our own abort (stop, shutdown, timeout), not from the provider. */
export function isAbort(err: unknown, signal: AbortSignal): boolean {
  return (
    signal.aborted ||
    (err instanceof Error && (err.name === "AbortError" || err.name === "APIUserAbortError"))
  );
}
