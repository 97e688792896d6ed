import type { Config, Logger, ProviderCatalog } from "@engunity/core";
import { GroqProvider } from "./GroqProvider";
import type { LlmProvider } from "./LlmProvider";
import { LocalLlamaProvider } from "./LocalLlamaProvider";
import { OfflineProvider } from "./OfflineProvider";
import { OpenAiCompatibleProvider } from "./OpenAiCompatibleProvider";

/**
 * The providers of this process, by name, built from the catalog (the same one
 * `GET /providers` serves), so the two can never disagree; offline is always there.
 */
export async function buildProviders(
  catalog: ProviderCatalog,
  config: Config,
  logger: Logger,
): Promise<Map<string, LlmProvider>> {
  await catalog.ready();
  const out = new Map<string, LlmProvider>();
  for (const spec of catalog.specs) {
    switch (spec.name) {
      case "groq":
        out.set(spec.name, new GroqProvider(spec));
        break;
      case "openai":
        out.set(spec.name, new OpenAiCompatibleProvider(spec));
        break;
      case "local":
        out.set(
          spec.name,
          new LocalLlamaProvider({
            modelPath: config.llmModelPath!,
            modelName: spec.defaultModel,
            threads: config.LLM_THREADS,
            logger,
          }),
        );
        break;
      case "offline":
        out.set(spec.name, new OfflineProvider());
        break;
    }
  }
  return out;
}
