import type { ProviderListing } from "@engunity/shared";
import type { Config } from "../env";
import type { Logger } from "../logger";
import { ggufModelName } from "./ggufName";
import type { ProviderHealthStore } from "./providerHealth";

export type ProviderKind = "groq" | "local" | "openai" | "offline";

/** One configured provider: what workers build and `GET /providers` shows. */
export interface ProviderSpec {
  name: ProviderKind;
  /** False when answers never leave this server (the `private` preference uses only these). */
  remote: boolean;
  defaultModel: string;
  baseURL?: string;
  apiKey?: string;
  /** Until the response starts (headers), per attempt. */
  connectTimeoutMs: number;
  /** Until the first token, per attempt. */
  firstTokenTimeoutMs: number;
  /** The whole answer. */
  totalTimeoutMs: number;
}

/** Display names, for honest answers and logs. */
export const PROVIDER_LABELS: Record<string, string> = {
  groq: "Groq",
  local: "the local model",
  openai: "the OpenAI-compatible server",
  offline: "the offline answer",
};

const GROQ_DEFAULT_URL = "https://api.groq.com";
/** Models a provider lists that cannot chat (Groq lists its speech models too). */
const NOT_CHAT = /whisper|tts|playai|guard/i;
const MODELS_FETCH_TIMEOUT_MS = 2_000;
const MODELS_RETRY_AFTER_FAILURE_MS = 30_000;

/** AI_PROVIDER_ORDER as a list of names. */
export function configuredOrder(config: Config): string[] {
  return config.AI_PROVIDER_ORDER.split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The configured providers, in fallback order, offline always last. */
export function configuredProviders(config: Config): ProviderSpec[] {
  const total = config.AI_TIMEOUT_MS;
  const specs: ProviderSpec[] = [];
  if (config.GROQ_API_KEY)
    specs.push({
      name: "groq",
      remote: true,
      defaultModel: config.GROQ_MODEL,
      baseURL: config.GROQ_BASE_URL ?? GROQ_DEFAULT_URL,
      apiKey: config.GROQ_API_KEY,
      connectTimeoutMs: config.GROQ_CONNECT_TIMEOUT_MS ?? config.AI_CONNECT_TIMEOUT_MS,
      firstTokenTimeoutMs: config.GROQ_FIRST_TOKEN_TIMEOUT_MS ?? config.AI_FIRST_TOKEN_TIMEOUT_MS,
      totalTimeoutMs: total,
    });
  if (config.llmModelPath)
    specs.push({
      name: "local",
      remote: false,
      // Replaced by the GGUF's own name once `ProviderCatalog.ready()` has read it.
      defaultModel: "local",
      connectTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
      firstTokenTimeoutMs: config.LLM_FIRST_TOKEN_TIMEOUT_MS,
      totalTimeoutMs: Math.max(total, config.LLM_FIRST_TOKEN_TIMEOUT_MS),
    });
  if (config.OPENAI_BASE_URL)
    specs.push({
      name: "openai",
      remote: true,
      defaultModel: config.OPENAI_MODEL ?? "default",
      baseURL: config.OPENAI_BASE_URL,
      apiKey: config.OPENAI_API_KEY,
      connectTimeoutMs: config.OPENAI_CONNECT_TIMEOUT_MS ?? config.AI_CONNECT_TIMEOUT_MS,
      firstTokenTimeoutMs: config.OPENAI_FIRST_TOKEN_TIMEOUT_MS ?? config.AI_FIRST_TOKEN_TIMEOUT_MS,
      totalTimeoutMs: total,
    });
  specs.push({
    name: "offline",
    remote: false,
    defaultModel: "none",
    connectTimeoutMs: total,
    firstTokenTimeoutMs: total,
    totalTimeoutMs: total,
  });
  const order = configuredOrder(config);
  const rank = (n: string) => {
    const i = order.indexOf(n);
    return n === "offline" ? Number.MAX_SAFE_INTEGER : i < 0 ? order.length : i;
  };
  return specs.sort((a, b) => rank(a.name) - rank(b.name));
}

/** The `quality` preference's provider and model: AI_QUALITY_MODEL, else Groq's model. */
export function qualityChoice(
  config: Config,
  specs: readonly ProviderSpec[],
): { provider: string; model: string } | undefined {
  if (config.AI_QUALITY_MODEL) {
    const i = config.AI_QUALITY_MODEL.indexOf(":");
    const provider = config.AI_QUALITY_MODEL.slice(0, i);
    if (specs.some((s) => s.name === provider))
      return { provider, model: config.AI_QUALITY_MODEL.slice(i + 1) };
  }
  const first = specs.find((s) => s.name === "groq") ?? specs.find((s) => s.name !== "offline");
  return first ? { provider: first.name, model: first.defaultModel } : undefined;
}

/**
 * The one provider catalog: which providers this deployment has (from configuration),
 * their models (from the provider itself — `GET /models` on Groq and OpenAI-compatible
 * servers, cached for AI_MODELS_TTL_SECONDS, the configured default first; the local
 * GGUF's own name) and their health (breaker state, last error). Realtime nodes serve
 * it as `GET /providers`; workers build and route their providers from it.
 */
export class ProviderCatalog {
  readonly specs: ProviderSpec[];
  /** Provider names in fallback order, offline last. */
  readonly order: string[];
  private readonly cache = new Map<string, { models: string[]; until: number }>();
  private readonly inflight = new Map<string, Promise<string[]>>();
  private readyPromise: Promise<void> | null = null;
  private readonly fetchImpl: typeof fetch;

  constructor(
    private readonly config: Config,
    private readonly health: ProviderHealthStore,
    private readonly opts: { fetch?: typeof fetch; logger?: Logger } = {},
  ) {
    this.specs = configuredProviders(config);
    // Configured but left out of AI_PROVIDER_ORDER: used only when asked for by name.
    const listed = new Set(configuredOrder(config));
    this.order = this.specs.map((s) => s.name).filter((n) => listed.has(n) || n === "offline");
    this.fetchImpl = opts.fetch ?? fetch;
  }

  spec(name: string): ProviderSpec | undefined {
    return this.specs.find((s) => s.name === name);
  }

  /** Resolves what configuration alone cannot say (the local model's name). */
  ready(): Promise<void> {
    this.readyPromise ??= (async () => {
      const local = this.spec("local");
      if (local && this.config.llmModelPath)
        local.defaultModel = await ggufModelName(this.config.llmModelPath);
    })();
    return this.readyPromise;
  }

  quality() {
    return qualityChoice(this.config, this.specs);
  }

  /** A provider's models, default first; the default alone when the provider cannot say. */
  async models(name: string): Promise<string[]> {
    await this.ready();
    const spec = this.spec(name);
    if (!spec) return [];
    const extra = name === "groq" || name === "openai" ? await this.fetchModels(spec) : [];
    return [spec.defaultModel, ...extra.filter((m) => m !== spec.defaultModel)];
  }

  private fetchModels(spec: ProviderSpec): Promise<string[]> {
    const cached = this.cache.get(spec.name);
    if (cached && cached.until > Date.now()) return Promise.resolve(cached.models);
    let pending = this.inflight.get(spec.name);
    if (!pending) {
      pending = this.loadModels(spec).finally(() => this.inflight.delete(spec.name));
      this.inflight.set(spec.name, pending);
    }
    return pending;
  }

  private async loadModels(spec: ProviderSpec): Promise<string[]> {
    const base = spec.baseURL!.replace(/\/$/, "");
    const url = spec.name === "groq" ? `${base}/openai/v1/models` : `${base}/models`;
    try {
      const res = await this.fetchImpl(url, {
        headers: spec.apiKey ? { authorization: `Bearer ${spec.apiKey}` } : {},
        signal: AbortSignal.timeout(MODELS_FETCH_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { data?: { id?: unknown }[] };
      const models = (body.data ?? [])
        .map((m) => m.id)
        .filter((id): id is string => typeof id === "string" && !NOT_CHAT.test(id))
        .sort();
      this.cache.set(spec.name, {
        models,
        until: Date.now() + this.config.AI_MODELS_TTL_SECONDS * 1000,
      });
      return models;
    } catch (err) {
      this.opts.logger?.warn(
        { provider: spec.name, reason: (err as Error).message },
        "could not list the provider's models",
      );
      this.cache.set(spec.name, { models: [], until: Date.now() + MODELS_RETRY_AFTER_FAILURE_MS });
      return [];
    }
  }

  /** What `GET /providers` answers. */
  async listing(): Promise<ProviderListing> {
    await this.ready();
    const [health, models] = await Promise.all([
      this.health.get(this.order),
      Promise.all(this.specs.map((s) => this.models(s.name))),
    ]);
    const quality = this.quality();
    return {
      providers: this.specs.map((s, i) => ({
        name: s.name,
        models: models[i] ?? [s.defaultModel],
        defaultModel: s.defaultModel,
        remote: s.remote,
        health: health.get(s.name) ?? { state: "closed", failures: 0 },
      })),
      default: this.order[0]!,
      order: this.order,
      ...(quality ? { quality } : {}),
    };
  }
}
