import type { BreakerPolicy, ProviderHealthStore } from "@engunity/core";
import type { FailureKind, ProviderHealth } from "@engunity/shared";
import type { ProviderError } from "./LlmProvider";

export type Admission =
  | { ok: true; probe: boolean }
  | { ok: false; kind: Extract<FailureKind, "rate_limited" | "breaker_open">; until?: string };

/**
 * The per-provider circuit breaker over the shared health store: closed → open after
 * `threshold` failures in a row → half-open after the cooldown, where one run (across
 * all workers) gets to probe; its success closes the breaker, its failure opens it
 * again. A long `retry-after` is remembered the same way: the provider is skipped
 * until then.
 */
export class Breaker {
  constructor(
    private readonly store: ProviderHealthStore,
    private readonly policy: BreakerPolicy,
    /** The longest retry-after that is simply waited for; a longer one is remembered. */
    readonly retryAfterMaxMs: number,
  ) {}

  /** Every provider's health in one read (one Redis round trip scaled). */
  snapshot(names: readonly string[]): Promise<Map<string, ProviderHealth>> {
    return this.store.get(names);
  }

  async admit(name: string, health: ProviderHealth | undefined): Promise<Admission> {
    if (!health) return { ok: true, probe: false };
    if (health.rateLimitedUntil)
      return { ok: false, kind: "rate_limited", until: health.rateLimitedUntil };
    if (health.state === "open")
      return { ok: false, kind: "breaker_open", until: health.openUntil };
    if (health.state === "half_open") {
      if (await this.store.claimProbe(name, this.policy.cooldownMs))
        return { ok: true, probe: true };
      return { ok: false, kind: "breaker_open" };
    }
    return { ok: true, probe: false };
  }

  /** Writes only when there is something to clear, so a healthy provider costs nothing. */
  async success(name: string, health: ProviderHealth | undefined): Promise<void> {
    if (health && (health.failures > 0 || health.state !== "closed"))
      await this.store.recordSuccess(name);
  }

  /** Records a failure; returns the time the provider is skipped until, if any. */
  async failure(name: string, err: ProviderError): Promise<string | undefined> {
    const after = err.opts.retryAfterMs;
    const remember = after !== undefined && after > this.retryAfterMaxMs;
    const rateLimitedUntil = remember ? Date.now() + after : undefined;
    await this.store.recordFailure(
      name,
      {
        error: err.message,
        // A rate limit with a retry-after is a schedule, not a sign of ill health.
        countsTowardBreaker: !(err.kind === "rate_limited" && after !== undefined),
        rateLimitedUntil,
      },
      this.policy,
    );
    return rateLimitedUntil === undefined ? undefined : new Date(rateLimitedUntil).toISOString();
  }
}
