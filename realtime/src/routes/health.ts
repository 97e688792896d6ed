import type { HealthResponse, ReadinessResponse } from "@engunity/shared";
import { Router } from "express";
import type { AppContext } from "../context";

/**
 * `GET /health`: 200 when every dependency answers, 503 naming what is down.
 * `GET /health/live`: 200 while the process answers at all (an orchestrator restarts it
 * otherwise; a database outage is no reason to). `GET /health/ready`: `/health`, but
 * 503 `draining` once the node is shutting down, so proxies and orchestrators stop
 * routing to it before it goes.
 */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  const check = async () => {
    const withTimeout = <T>(p: Promise<T>) =>
      Promise.race([
        p,
        new Promise<never>((_, rej) => setTimeout(() => rej(new Error("timeout")), 2000).unref()),
      ]);
    const db = await withTimeout(ctx.db.ping()).then(
      () => "ok" as const,
      () => "down" as const,
    );
    const redis = ctx.redis
      ? await withTimeout(ctx.redis.ping()).then(
          () => "ok" as const,
          () => "down" as const,
        )
      : ("disabled" as const);
    const healthy = db === "ok" && redis !== "down";
    const body: HealthResponse = {
      status: healthy ? "ok" : "unavailable",
      db,
      redis,
      ...(ctx.retrievalIndex ? { index: ctx.retrievalIndex } : {}),
    };
    return body;
  };
  router.get("/health", async (_req, res) => {
    const body = await check();
    res.status(body.status === "ok" ? 200 : 503).json(body);
  });
  router.get("/health/live", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/health/ready", async (_req, res) => {
    const body: ReadinessResponse = ctx.draining() ? { status: "draining" } : await check();
    res.status(body.status === "ok" ? 200 : 503).json(body);
  });
  return router;
}
