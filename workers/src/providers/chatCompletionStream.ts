import { fromSdkError, isAbort, ProviderError, type StreamChunk } from "./LlmProvider";

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
