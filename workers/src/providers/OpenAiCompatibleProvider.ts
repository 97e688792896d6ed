import OpenAI from "openai";
import {
  fromSdkError,
  isAbort,
  type LlmProvider,
  ProviderError,
  type StreamChunk,
  type StreamRequest,
} from "./LlmProvider";

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

  async *stream(req: StreamRequest): AsyncIterable<StreamChunk> {
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: req.model ?? this.defaultModel,
          messages: req.messages,
          max_tokens: req.maxTokens,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: req.signal },
      );
      let finished = false;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.finish_reason) finished = true;
        const text = chunk.choices[0]?.delta?.content;
        if (text) yield { type: "text", text };
        if (chunk.usage) {
          yield {
            type: "usage",
            usage: {
              promptTokens: chunk.usage.prompt_tokens,
              completionTokens: chunk.usage.completion_tokens,
            },
          };
        }
      }
      // A connection cut mid-answer can end the SDK's iterator quietly; an answer
      // without a finish_reason is incomplete, not done.
      if (!finished && !req.signal.aborted)
        throw new ProviderError(this.name, `${this.name}: stream ended before the answer finished`);
    } catch (err) {
      if (isAbort(err, req.signal)) return;
      throw fromSdkError(this.name, err);
    }
  }
}
