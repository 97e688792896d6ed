import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/**
 * Inference metrics; registered on the registry given (the node's, in ROLE=all).
 * `queueDepth` reads the jobs waiting for a worker at scrape time (what an autoscaler
 * scales workers on).
 */
export function createAiMetrics(registry?: Registry, queueDepth?: () => Promise<number>) {
  const registers = registry ? [registry] : [];
  return {
    depth: new Gauge({
      name: "engunity_ai_queue_depth",
      help: "Inference jobs waiting for a worker (the whole queue, not this process)",
      registers,
      async collect() {
        if (queueDepth) this.set(await queueDepth().catch(() => 0));
      },
    }),
    ttft: new Histogram({
      name: "engunity_ai_time_to_first_token_seconds",
      help: "Time from the job starting to the first token, by provider",
      labelNames: ["provider"] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers,
    }),
    tokensPerSecond: new Histogram({
      name: "engunity_ai_tokens_per_second",
      help: "Completion tokens per second of finished answers, by provider",
      labelNames: ["provider"] as const,
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers,
    }),
    queueWait: new Histogram({
      name: "engunity_ai_queue_wait_seconds",
      help: "Time from enqueue to a worker starting the job",
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    }),
    failures: new Counter({
      name: "engunity_ai_provider_failures_total",
      help: "Failed provider attempts, by provider and kind (rate_limited or error)",
      labelNames: ["provider", "kind"] as const,
      registers,
    }),
    active: new Gauge({
      name: "engunity_ai_active_generations",
      help: "Generations running in this process",
      registers,
    }),
  };
}

export type AiMetrics = ReturnType<typeof createAiMetrics>;
