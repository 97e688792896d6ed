import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import {
  ChatCompletionProvider,
  type SdkProviderSpec,
  sdkClientOptions,
} from "./chatCompletionStream";

/** Any OpenAI-compatible server (Ollama, vLLM, llama.cpp server, OpenAI itself). */
export class OpenAiCompatibleProvider extends ChatCompletionProvider<ChatCompletionChunk> {
  override readonly name = "openai";

  constructor(spec: SdkProviderSpec) {
    // Local servers take any key; the SDK refuses to start without one.
    const apiKey = spec.apiKey ?? "not-needed";
    const client = new OpenAI({ ...sdkClientOptions(spec), apiKey, baseURL: spec.baseURL });
    const streamOptions = { include_usage: true };
    super(
      spec.defaultModel,
      (body, signal) =>
        client.chat.completions.create(
          { ...body, stream: true, stream_options: streamOptions },
          { signal },
        ),
      (chunk) => chunk.usage,
    );
  }
}
