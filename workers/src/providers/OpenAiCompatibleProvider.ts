import type { ProviderSpec } from "@engunity/core";
import OpenAI from "openai";
import { streamChatCompletion } from "./chatCompletionStream";
import type { LlmProvider, StreamChunk, StreamRequest } from "./LlmProvider";

/**
 * Any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, OpenAI itself). Like
 * Groq: no SDK retries, the SDK timeout is the connect timeout.
 */
export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = "openai";
  readonly defaultModel: string;
  private readonly client: OpenAI;

  constructor(
    spec: Pick<ProviderSpec, "apiKey" | "baseURL" | "defaultModel" | "connectTimeoutMs">,
  ) {
    // Local servers take any key; the SDK refuses to start without one.
    this.client = new OpenAI({
      baseURL: spec.baseURL,
      apiKey: spec.apiKey ?? "not-needed",
      maxRetries: 0,
      timeout: spec.connectTimeoutMs,
    });
    this.defaultModel = spec.defaultModel;
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
