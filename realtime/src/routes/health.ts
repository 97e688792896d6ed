import type { Health } from "@engunity/shared";
import { Router } from "express";
import type { AppContext } from "../context";

/** `GET /health`: 200 when every dependency answers, 503 naming what is down. */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get("/health", async (_req, res) => {
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
    const body: Health = {
      status: healthy ? "ok" : "unavailable",
      db,
      redis,
      ...(ctx.retrievalIndex ? { index: ctx.retrievalIndex } : {}),
    };
    res.status(healthy ? 200 : 503).json(body);
  });
  return router;
}
