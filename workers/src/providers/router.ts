import type { LlmProvider } from "./LlmProvider";

export interface RouteRequest {
  /** The request's preference (`provider` on the send). */
  requested?: string;
  requestedModel?: string;
  /** The session's setting. */
  sessionProvider?: string;
  sessionModel?: string;
}

export interface RouteStep {
  provider: LlmProvider;
  /** Undefined: the provider's default model. */
  model?: string;
}

/**
 * The order to try providers in: request preference → session setting →
 * AI_PROVIDER_ORDER, unconfigured ones skipped, each once. A model choice belongs to
 * the provider it was chosen with. Offline closes the list so there is always an answer.
 */
export function routeProviders(
  providers: Map<string, LlmProvider>,
  order: string[],
  req: RouteRequest,
): RouteStep[] {
  const steps: RouteStep[] = [];
  const seen = new Set<string>();
  const add = (name: string | undefined, model?: string) => {
    if (!name || seen.has(name)) return;
    const provider = providers.get(name);
    if (!provider) return;
    seen.add(name);
    steps.push({ provider, model });
  };
  add(req.requested, req.requestedModel);
  add(req.sessionProvider, req.sessionModel);
  for (const name of order) add(name);
  add("offline");
  return steps;
}
