import type { Config, Logger } from "@engunity/core";

export { configuredOrder } from "@engunity/core";

import { GroqProvider } from "./GroqProvider";
import type { LlmProvider } from "./LlmProvider";
import { LocalLlamaProvider } from "./LocalLlamaProvider";
import { OfflineProvider } from "./OfflineProvider";
import { OpenAiCompatibleProvider } from "./OpenAiCompatibleProvider";

/** The configured providers of this process, by name; offline is always there. */
export function buildProviders(config: Config, logger: Logger): Map<string, LlmProvider> {
  const out = new Map<string, LlmProvider>();
  if (config.GROQ_API_KEY) {
    out.set(
      "groq",
      new GroqProvider({
        apiKey: config.GROQ_API_KEY,
        baseURL: config.GROQ_BASE_URL,
        model: config.GROQ_MODEL,
      }),
    );
  }
  if (config.llmModelPath) {
    out.set(
      "local",
      new LocalLlamaProvider({
        modelPath: config.llmModelPath,
        threads: config.LLM_THREADS,
        logger,
      }),
    );
  }
  if (config.OPENAI_BASE_URL) {
    out.set(
      "openai",
      new OpenAiCompatibleProvider({
        baseURL: config.OPENAI_BASE_URL,
        apiKey: config.OPENAI_API_KEY,
        model: config.OPENAI_MODEL,
      }),
    );
  }
  out.set("offline", new OfflineProvider());
  return out;
}
