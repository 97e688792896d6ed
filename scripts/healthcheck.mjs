// The image's HEALTHCHECK, one for every role (plain Node: no TypeScript loader needed).
// A realtime node (ROLE=realtime or all) answers /api/v1/health/live on PORT; a worker
// answers /health/live on WORKER_METRICS_PORT when it has one, and otherwise is alive
// while its process runs. Liveness, not readiness: a database outage must not get a
// container restarted (readiness is for routing; see deploy/kubernetes).
const role = process.env.ROLE || "all";
const worker = role === "worker";
const port = worker ? process.env.WORKER_METRICS_PORT : process.env.PORT || "3000";
if (!port) process.exit(0);
const path = worker ? "/health/live" : "/api/v1/health/live";
fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(3000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
