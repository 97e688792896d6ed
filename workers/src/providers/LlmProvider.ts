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
  /** Aborting stops the request upstream (a stop, a shutdown). */
  signal: AbortSignal;
  /**
   * The document passages already placed in `messages` (numbered as cited). Models
   * read them from the prompt; the offline provider answers from them directly.
   */
  passages?: readonly PassageRef[];
  /** Said when some documents are still being indexed. */
  notice?: string;
}

/** A retrieved passage as providers see it. */
export interface PassageRef {
  n: number;
  filename: string;
  text: string;
  page: number | null;
  headingPath: string | null;
}

/** What a provider yields while it streams: text deltas, then usage when it knows it. */
export type StreamChunk = { type: "text"; text: string } | { type: "usage"; usage: Usage };

/**
 * An LLM backend (Groq, a local GGUF, an OpenAI-compatible server, offline). The router
 * picks one; the inference processor consumes `stream`.
 */
export interface LlmProvider {
  readonly name: string;
  readonly defaultModel: string;
  /** Models this provider offers, for `GET /providers`. */
  readonly models: readonly string[];
  stream(request: StreamRequest): AsyncIterable<StreamChunk>;
  close?(): Promise<void>;
}

/**
 * A provider failure the router understands: `rateLimited` (429) and every other
 * error both fall back to the next provider; `retryAfterSeconds` is kept for the record.
 */
export class ProviderError extends Error {
  override name = "ProviderError";
  constructor(
    readonly provider: string,
    message: string,
    readonly opts: {
      status?: number;
      rateLimited?: boolean;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: opts.cause });
  }
}

/** An SDK error (groq-sdk and openai share the shape) as a ProviderError. */
export function fromSdkError(provider: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = err as {
    status?: number;
    message?: string;
    headers?: { get?(k: string): string | null };
  };
  const status = typeof e?.status === "number" ? e.status : undefined;
  const retryAfter = Number(e?.headers?.get?.("retry-after") ?? Number.NaN);
  return new ProviderError(provider, `${provider}: ${e?.message ?? String(err)}`, {
    status,
    rateLimited: status === 429,
    retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
    cause: err,
  });
}

/** True when `err` came from our own abort (stop or shutdown), not from the provider. */
export function isAbort(err: unknown, signal: AbortSignal): boolean {
  return (
    signal.aborted ||
    (err instanceof Error && (err.name === "AbortError" || err.name === "APIUserAbortError"))
  );
}
