import type { ProviderSpec } from "@engunity/core";
import Groq from "groq-sdk";
import { streamChatCompletion } from "./chatCompletionStream";
import type { LlmProvider, StreamChunk, StreamRequest } from "./LlmProvider";

/**
 * Groq through groq-sdk, streaming. The SDK never retries (`maxRetries: 0`): it would
 * sleep through whatever `retry-after` says (an hour for a daily limit) while the room
 * waits; the failover decides instead. The SDK's timeout is the connect timeout: it
 * runs until the response headers arrive.
 */
export class GroqProvider implements LlmProvider {
  readonly name = "groq";
  readonly defaultModel: string;
  private readonly client: Groq;

  constructor(
    spec: Pick<ProviderSpec, "apiKey" | "baseURL" | "defaultModel" | "connectTimeoutMs">,
  ) {
    // baseURL is always passed: left undefined, the SDK would read GROQ_BASE_URL itself.
    this.client = new Groq({
      apiKey: spec.apiKey,
      baseURL: spec.baseURL ?? "https://api.groq.com",
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
          },
          { signal: req.signal },
        ),
      req.signal,
      (chunk) => chunk.x_groq?.usage,
    );
  }
}
