import type { AiPreference } from "@engunity/shared";
import type { LlmProvider } from "./LlmProvider";

export interface RouteRequest {
  /** The request's choice (`provider` / `model` on the send). */
  requested?: string;
  requestedModel?: string;
  /** The session's explicit choice. */
  sessionProvider?: string;
  sessionModel?: string;
  /** The session's routing preference. */
  preference?: AiPreference;
}

/** What the router needs from the catalog. */
export interface RouteTable {
  /** AI_PROVIDER_ORDER, configured ones only, offline last. */
  order: readonly string[];
  /** Whether a provider sends the conversation off this server. */
  isRemote(name: string): boolean;
  /** The `quality` preference's choice. */
  quality?: { provider: string; model: string };
}

export interface RouteStep {
  provider: LlmProvider;
  /** Undefined: the provider's default model. */
  model?: string;
}

/**
 * The order to try providers in: the request's choice → the session's choice → the
 * preference (`fast`: Groq; `quality`: AI_QUALITY_MODEL; `private`: the local model)
 * → AI_PROVIDER_ORDER, unconfigured ones skipped, each once. A model choice belongs to
 * the provider it was chosen with. `private` drops every remote provider, whoever asked
 * for it: the conversation never leaves the server. Offline closes the list, so there
 * is always an answer.
 */
export function routeProviders(
  providers: Map<string, LlmProvider>,
  table: RouteTable,
  req: RouteRequest,
): RouteStep[] {
  const steps: RouteStep[] = [];
  const seen = new Set<string>();
  const privateOnly = req.preference === "private";
  const add = (name: string | undefined, model?: string) => {
    if (!name || seen.has(name)) return;
    const provider = providers.get(name);
    if (!provider || (privateOnly && table.isRemote(name))) return;
    seen.add(name);
    steps.push({ provider, model });
  };
  add(req.requested, req.requestedModel);
  add(req.sessionProvider, req.sessionModel);
  if (req.preference === "fast") add("groq");
  if (req.preference === "quality") add(table.quality?.provider, table.quality?.model);
  if (privateOnly) add("local");
  for (const name of table.order) add(name);
  add("offline");
  return steps;
}
