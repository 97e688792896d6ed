import Groq from "groq-sdk";
import type { ChatCompletionChunk } from "groq-sdk/resources/chat/completions";
import {
  ChatCompletionProvider,
  type SdkProviderSpec,
  sdkClientOptions,
} from "./chatCompletionStream";

/** Groq through groq-sdk, streaming (see `sdkClientOptions` for retries and timeouts). */
export class GroqProvider extends ChatCompletionProvider<ChatCompletionChunk> {
  override readonly name = "groq";

  constructor(spec: SdkProviderSpec) {
    // baseURL is always passed: left undefined, the SDK would read GROQ_BASE_URL itself.
    const baseURL = spec.baseURL ?? "https://api.groq.com";
    const client = new Groq({ ...sdkClientOptions(spec), apiKey: spec.apiKey, baseURL });
    super(
      spec.defaultModel,
      (body, signal) => client.chat.completions.create({ ...body, stream: true }, { signal }),
      (chunk) => chunk.x_groq?.usage,
    );
  }
}
