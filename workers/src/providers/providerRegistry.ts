import type { Config, Logger } from "@engunity/core";
import { GroqProvider } from "./GroqProvider";
import type { LlmProvider } from "./LlmProvider";
import { LocalLlamaProvider } from "./LocalLlamaProvider";
import { OfflineProvider } from "./OfflineProvider";
import { OpenAiCompatibleProvider } from "./OpenAiCompatibleProvider";

export const PROVIDER_NAMES = ["groq", "local", "openai", "offline"] as const;

/** What `GET /providers` shows: configured providers, their models, the default. */
export interface ProviderListing {
  providers: { name: string; models: string[]; defaultModel: string }[];
  default: string;
  order: string[];
}

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

/** AI_PROVIDER_ORDER as a list of known names. */
export function configuredOrder(config: Config): string[] {
  return config.AI_PROVIDER_ORDER.split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The listing for `GET /providers`, computed from configuration alone (no model is loaded). */
export function listProviders(config: Config): ProviderListing {
  const configured: ProviderListing["providers"] = [];
  if (config.GROQ_API_KEY)
    configured.push({ name: "groq", models: [config.GROQ_MODEL], defaultModel: config.GROQ_MODEL });
  if (config.llmModelPath)
    configured.push({ name: "local", models: ["local"], defaultModel: "local" });
  if (config.OPENAI_BASE_URL) {
    const m = config.OPENAI_MODEL ?? "default";
    configured.push({ name: "openai", models: [m], defaultModel: m });
  }
  configured.push({ name: "offline", models: ["none"], defaultModel: "none" });
  const names = new Set(configured.map((p) => p.name));
  const order = configuredOrder(config).filter((n) => names.has(n));
  if (!order.includes("offline")) order.push("offline");
  return { providers: configured, default: order[0]!, order };
}
