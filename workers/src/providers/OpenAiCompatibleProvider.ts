import OpenAI from "openai";
import { streamChatCompletion } from "./chatCompletionStream";
import type { LlmProvider, StreamChunk, StreamRequest } from "./LlmProvider";

/** Any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, OpenAI itself). */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = "openai";
  readonly defaultModel: string;
  readonly models: readonly string[];
  private readonly client: OpenAI;

  constructor(opts: { baseURL: string; apiKey?: string; model?: string; maxRetries?: number }) {
    // Local servers take any key; the SDK refuses to start without one.
    this.client = new OpenAI({
      baseURL: opts.baseURL,
      apiKey: opts.apiKey ?? "not-needed",
      maxRetries: opts.maxRetries ?? 1,
      timeout: 120_000,
    });
    this.defaultModel = opts.model ?? "default";
    this.models = [this.defaultModel];
  }

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
            stream_options: { include_usage: true },
          },
          { signal: req.signal },
        ),
      req.signal,
      (chunk) => chunk.usage,
    );
  }
}
