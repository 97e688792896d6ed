import type { ProviderSpec } from "@engunity/core";
import {
  type ChatTurn,
  fromSdkError,
  isAbort,
  type LlmProvider,
  ProviderError,
  type StreamChunk,
  type StreamRequest,
} from "./LlmProvider";

/** The slice of an OpenAI-style streamed chunk both SDKs (openai, groq-sdk) produce. */
export interface ChatCompletionChunkLike {
  choices: { finish_reason?: string | null; delta?: { content?: string | null } }[];
}

/**
 * Turns an OpenAI-compatible chat-completions stream (openai or groq-sdk) into our
 * chunks. `usageOf` reads the usage where each server puts it (OpenAI: `usage` on the
 * last chunk; Groq: `x_groq.usage`). An abort ends the stream quietly; SDK errors
 * become ProviderErrors the router can fall back on.
 */
export async function* streamChatCompletion<C extends ChatCompletionChunkLike>(
  provider: string,
  open: () => Promise<AsyncIterable<C>>,
  signal: AbortSignal,
  usageOf: (chunk: C) => { prompt_tokens: number; completion_tokens: number } | null | undefined,
): AsyncIterable<StreamChunk> {
  try {
    const stream = await open();
    yield { type: "open" };
    let finished = false;
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) yield { type: "text", text };
      const reason = chunk.choices[0]?.finish_reason;
      if (reason) {
        finished = true;
        yield { type: "finish", reason };
      }
      const usage = usageOf(chunk);
      if (usage) {
        yield {
          type: "usage",
          usage: { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens },
        };
      }
    }
    // A connection cut mid-answer can end the SDK's iterator quietly; an answer
    // without a finish_reason is incomplete, not done.
    if (!finished && !signal.aborted) {
      throw new ProviderError(provider, `${provider}: stream ended before the answer finished`, {
        kind: "cut",
      });
    }
  } catch (err) {
    if (isAbort(err, signal)) return;
    throw fromSdkError(provider, err);
  }
}

/** What an SDK-backed provider is made from. */
export type SdkProviderSpec = Pick<
  ProviderSpec,
  "apiKey" | "baseURL" | "defaultModel" | "connectTimeoutMs"
>;

/**
 * The client options both SDKs get: never retry (the SDK would sleep through whatever
 * `retry-after` says, an hour for a daily limit, while the room waits; the failover
 * decides instead), and time out only until the response headers arrive (connect).
 */
export function sdkClientOptions(spec: SdkProviderSpec) {
  return { maxRetries: 0, timeout: spec.connectTimeoutMs };
}

/** The request body both SDKs' `chat.completions.create` take (streaming is added by each). */
export interface ChatCompletionBody {
  model: string;
  messages: ChatTurn[];
  max_tokens: number;
}

/**
 * A provider behind an OpenAI-style SDK (openai, groq-sdk): the SDK client is built
 * by the subclass (never retrying, its timeout the connect timeout); requests, the
 * stream and its errors are handled here once.
 */
export abstract class ChatCompletionProvider<C extends ChatCompletionChunkLike>
  implements LlmProvider
{
  abstract readonly name: string;

  constructor(
    readonly defaultModel: string,
    private readonly create: (
      body: ChatCompletionBody,
      signal: AbortSignal,
    ) => Promise<AsyncIterable<C>>,
    private readonly usageOf: (
      chunk: C,
    ) => { prompt_tokens: number; completion_tokens: number } | null | undefined,
  ) {}

  stream(req: StreamRequest): AsyncIterable<StreamChunk> {
    const body = {
      model: req.model ?? this.defaultModel,
      messages: req.messages,
      max_tokens: req.maxTokens,
    };
    return streamChatCompletion(
      this.name,
      () => this.create(body, req.signal),
      req.signal,
      this.usageOf,
    );
  }
}
