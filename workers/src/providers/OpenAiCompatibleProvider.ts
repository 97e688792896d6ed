import type { ProviderSpec } from "@engunity/core";
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import { ChatCompletionProvider } from "./chatCompletionStream";

/**
 * Any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, OpenAI itself). Like
 * Groq: no SDK retries, the SDK timeout is the connect timeout.
 */
export class OpenAiCompatibleProvider extends ChatCompletionProvider<ChatCompletionChunk> {
  override readonly name = "openai";

  constructor(
    spec: Pick<ProviderSpec, "apiKey" | "baseURL" | "defaultModel" | "connectTimeoutMs">,
  ) {
    // Local servers take any key; the SDK refuses to start without one.
    const client = new OpenAI({
      baseURL: spec.baseURL,
      apiKey: spec.apiKey ?? "not-needed",
      maxRetries: 0,
      timeout: spec.connectTimeoutMs,
    });
    super(
      spec.defaultModel,
      (body, signal) =>
        client.chat.completions.create(
          { ...body, stream: true, stream_options: { include_usage: true } },
          { signal },
        ),
      (chunk) => chunk.usage,
    );
  }
}
