import type { ProviderCatalog } from "@engunity/core";
import type { AttemptTimeouts } from "../providers/providerAttempt";
import type { RouteTable } from "../providers/router";

/** The router's view of the catalog. */
export function routeTable(catalog: ProviderCatalog): RouteTable {
  return {
    order: catalog.order,
    isRemote: (name) => catalog.spec(name)?.remote ?? true,
    quality: catalog.quality(),
  };
}

/** A provider's first-token and total timeouts, from its catalog entry. */
export function timeoutsOf(catalog: ProviderCatalog, name: string): AttemptTimeouts {
  const spec = catalog.spec(name);
  return {
    firstTokenTimeoutMs: spec?.firstTokenTimeoutMs ?? 20_000,
    totalTimeoutMs: spec?.totalTimeoutMs ?? 120_000,
  };
}

/** Providers this deployment could have but does not, for the offline notice. */
export function unconfiguredProviders(catalog: ProviderCatalog): string[] {
  return ["groq", "local", "openai"].filter((n) => !catalog.spec(n));
}
