import type { ProviderSpec } from "@engunity/core";
import Groq from "groq-sdk";
import type { ChatCompletionChunk } from "groq-sdk/resources/chat/completions";
import { ChatCompletionProvider } from "./chatCompletionStream";

/**
 * Groq through groq-sdk, streaming. The SDK never retries (`maxRetries: 0`): it would
 * sleep through whatever `retry-after` says (an hour for a daily limit) while the room
 * waits; the failover decides instead. The SDK's timeout is the connect timeout: it
 * runs until the response headers arrive.
 */
export class GroqProvider extends ChatCompletionProvider<ChatCompletionChunk> {
  override readonly name = "groq";

  constructor(
    spec: Pick<ProviderSpec, "apiKey" | "baseURL" | "defaultModel" | "connectTimeoutMs">,
  ) {
    // baseURL is always passed: left undefined, the SDK would read GROQ_BASE_URL itself.
    const client = new Groq({
      apiKey: spec.apiKey,
      baseURL: spec.baseURL ?? "https://api.groq.com",
      maxRetries: 0,
      timeout: spec.connectTimeoutMs,
    });
    super(
      spec.defaultModel,
      (body, signal) => client.chat.completions.create({ ...body, stream: true }, { signal }),
      (chunk) => chunk.x_groq?.usage,
    );
  }
}
