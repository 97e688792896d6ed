import type { Config } from "../env";

/** What `GET /providers` shows: configured providers, their models, the default. */
export interface ProviderListing {
  providers: { name: string; models: string[]; defaultModel: string }[];
  default: string;
  order: string[];
}

/** AI_PROVIDER_ORDER as a list of names. */
export function configuredOrder(config: Config): string[] {
  return config.AI_PROVIDER_ORDER.split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * The providers this deployment has, from configuration alone (realtime nodes never
 * load a model): offline always, the others when configured, in fallback order.
 */
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
  const byOrder = (n: string) => order.indexOf(n);
  configured.sort((a, b) => byOrder(a.name) - byOrder(b.name));
  return { providers: configured, default: order[0]!, order };
}
