import Groq from "groq-sdk";
import { streamChatCompletion } from "./chatCompletionStream";
import type { LlmProvider, StreamChunk, StreamRequest } from "./LlmProvider";

/** Groq's models from the seed guide's table. */
const GROQ_MODELS = [
  "llama-3.3-70b-versatile",
  "llama-3.1-8b-instant",
  "mixtral-8x7b-32768",
  "gemma2-9b-it",
];

/**
 * Groq through groq-sdk, streaming. The SDK retries once (it honours `retry-after`);
 * past that the router falls back to the next provider.
 */
export class GroqProvider implements LlmProvider {
  readonly name = "groq";
  readonly models: readonly string[];
  private readonly client: Groq;

  constructor(opts: { apiKey: string; baseURL?: string; model: string; maxRetries?: number }) {
    // baseURL is always passed: left undefined, the SDK would read GROQ_BASE_URL itself.
    this.client = new Groq({
      apiKey: opts.apiKey,
      baseURL: opts.baseURL ?? "https://api.groq.com",
      maxRetries: opts.maxRetries ?? 1,
      timeout: 60_000,
    });
    this.defaultModel = opts.model;
    this.models = [...new Set([opts.model, ...GROQ_MODELS])];
  }

  readonly defaultModel: string;

  stream(req: StreamRequest): AsyncIterable<StreamChunk> {
    return streamChatCompletion(
      this.name,
      () =>
        this.client.chat.completions.create(
          {
            model: req.model ?? this.defaultModel,
            messages: req.messages,
            max_tokens: req.maxTokens,
            stream: true,
          },
          { signal: req.signal },
        ),
      req.signal,
      (chunk) => chunk.x_groq?.usage,
    );
  }
}
