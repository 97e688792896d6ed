import type { ProviderHealth } from "@engunity/shared";
import type { Redis } from "ioredis";
import { type RedisKeys, redisKeys } from "../redisKeys";

/** The breaker's policy: failures in a row that open it, and how long it stays open. */
export interface BreakerPolicy {
  threshold: number;
  cooldownMs: number;
}

/** One provider failure, as the health store records it. */
export interface FailureRecord {
  /** What went wrong, for people (no keys, no request bodies). */
  error: string;
  /** Rate limits are remembered by time, not counted: they say nothing about health. */
  countsTowardBreaker: boolean;
  /** ms since epoch; the provider is skipped until then. */
  rateLimitedUntil?: number;
}

/**
 * Per-provider health shared by every worker: a circuit breaker (closed → open after
 * `threshold` failures in a row → half-open once the cooldown is over: one probe goes
 * through, success closes it, failure opens it again) and the time a `retry-after`
 * asked us to stay away. In memory embedded, one Redis hash per provider scaled.
 */
export interface ProviderHealthStore {
  /** Health of each named provider, in one round trip. */
  get(names: readonly string[]): Promise<Map<string, ProviderHealth>>;
  /** Claims the single probe of a half-open breaker; false when another run has it. */
  claimProbe(name: string, ttlMs: number): Promise<boolean>;
  recordSuccess(name: string): Promise<void>;
  recordFailure(name: string, failure: FailureRecord, policy: BreakerPolicy): Promise<void>;
  close(): Promise<void>;
}

interface Raw {
  failures: number;
  openUntil?: number;
  rateLimitedUntil?: number;
  lastError?: string;
  lastErrorAt?: number;
}

/** Stored fields → the wire shape, with the state as of `now`. */
export function healthOf(raw: Raw, now = Date.now()): ProviderHealth {
  const state = raw.openUntil === undefined ? "closed" : now < raw.openUntil ? "open" : "half_open";
  const out: ProviderHealth = { state, failures: raw.failures };
  if (raw.openUntil !== undefined && state === "open")
    out.openUntil = new Date(raw.openUntil).toISOString();
  if (raw.rateLimitedUntil !== undefined && now < raw.rateLimitedUntil)
    out.rateLimitedUntil = new Date(raw.rateLimitedUntil).toISOString();
  if (raw.lastError) out.lastError = raw.lastError;
  if (raw.lastErrorAt !== undefined) out.lastErrorAt = new Date(raw.lastErrorAt).toISOString();
  return out;
}

/** Embedded: one process holds every worker, so a Map is the shared state. */
export class MemoryProviderHealth implements ProviderHealthStore {
  private readonly raw = new Map<string, Raw>();
  private readonly probes = new Map<string, number>();

  async get(names: readonly string[]) {
    const now = Date.now();
    return new Map(names.map((n) => [n, healthOf(this.raw.get(n) ?? { failures: 0 }, now)]));
  }

  async claimProbe(name: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    if ((this.probes.get(name) ?? 0) > now) return false;
    this.probes.set(name, now + ttlMs);
    return true;
  }

  async recordSuccess(name: string): Promise<void> {
    const r = this.raw.get(name);
    this.probes.delete(name);
    if (!r) return;
    r.failures = 0;
    r.openUntil = undefined;
  }

  async recordFailure(name: string, f: FailureRecord, policy: BreakerPolicy): Promise<void> {
    const now = Date.now();
    const r = this.raw.get(name) ?? { failures: 0 };
    this.raw.set(name, r);
    r.lastError = f.error;
    r.lastErrorAt = now;
    if (f.rateLimitedUntil !== undefined) r.rateLimitedUntil = f.rateLimitedUntil;
    if (!f.countsTowardBreaker) return;
    r.failures++;
    // A failed half-open probe opens the breaker again at once.
    if (r.failures >= policy.threshold || r.openUntil !== undefined) {
      r.openUntil = now + policy.cooldownMs;
      this.probes.delete(name);
    }
  }

  async close(): Promise<void> {}
}

// One step, so two workers failing at once count two failures and open it once.
const FAIL = `
redis.call('HSET', KEYS[1], 'lastError', ARGV[1], 'lastErrorAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'rateLimitedUntil', ARGV[3]) end
if ARGV[4] == '1' then
  local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
  local open = redis.call('HEXISTS', KEYS[1], 'openUntil')
  if failures >= tonumber(ARGV[5]) or open == 1 then
    redis.call('HSET', KEYS[1], 'openUntil', tonumber(ARGV[2]) + tonumber(ARGV[6]))
    redis.call('DEL', KEYS[2])
  end
end
redis.call('EXPIRE', KEYS[1], 86400)
return 1`;

/** Scaled: a hash per provider (`redisKeys.aiHealth`) and a probe key beside it. */
export class RedisProviderHealth implements ProviderHealthStore {
  private readonly keys: RedisKeys;
  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = redisKeys(prefix);
  }

  private key = (name: string) => this.keys.aiHealth(name);
  private probeKey = (name: string) => this.keys.aiProbe(name);

  async get(names: readonly string[]) {
    const pipeline = this.redis.pipeline();
    for (const n of names) pipeline.hgetall(this.key(n));
    const rows = (await pipeline.exec()) ?? [];
    const now = Date.now();
    const out = new Map<string, ProviderHealth>();
    names.forEach((n, i) => {
      const h = (rows[i]?.[1] ?? {}) as Record<string, string>;
      const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      out.set(
        n,
        healthOf(
          {
            failures: Number(h.failures ?? 0),
            openUntil: num(h.openUntil),
            rateLimitedUntil: num(h.rateLimitedUntil),
            lastError: h.lastError,
            lastErrorAt: num(h.lastErrorAt),
          },
          now,
        ),
      );
    });
    return out;
  }

  async claimProbe(name: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.probeKey(name), "1", "PX", ttlMs, "NX")) === "OK";
  }

  async recordSuccess(name: string): Promise<void> {
    await this.redis
      .multi()
      .hdel(this.key(name), "failures", "openUntil")
      .del(this.probeKey(name))
      .exec();
  }

  async recordFailure(name: string, f: FailureRecord, policy: BreakerPolicy): Promise<void> {
    await this.redis.eval(
      FAIL,
      2,
      this.key(name),
      this.probeKey(name),
      f.error.slice(0, 500),
      String(Date.now()),
      f.rateLimitedUntil === undefined ? "" : String(f.rateLimitedUntil),
      f.countsTowardBreaker ? "1" : "0",
      String(policy.threshold),
      String(policy.cooldownMs),
    );
  }

  async close(): Promise<void> {}
}
