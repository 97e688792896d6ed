import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Registry } from "prom-client";

/**
 * A worker process's own `/metrics` (ROLE=worker has no HTTP server otherwise), so
 * Prometheus can scrape TTFT, tokens/s, queue wait, failures and active generations;
 * and its probes: `/health/live` (the process answers) and `/health/ready` (503 once it
 * is draining on SIGTERM).
 */
export async function startMetricsServer(
  registry: Registry,
  port: number,
  host: string,
  ready: () => boolean = () => true,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === "/health/live" || req.url === "/health/ready") {
      const ok = req.url === "/health/live" || ready();
      res
        .writeHead(ok ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ status: ok ? "ok" : "draining" }));
      return;
    }
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A registry of its own for a worker process, with Node's default metrics. */
export function createWorkerRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
