import { z } from "zod";

/** `GET /api/v1/health` and `GET /api/v1/health/ready` when the node is not draining. */
export const healthResponseSchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  db: z.enum(["ok", "down"]),
  redis: z.enum(["ok", "down", "disabled"]),
  /** (ROLE=all) `faiss` where npm install built faiss-node, else `exact` in-process search. */
  index: z.enum(["faiss", "exact"]).optional(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/**
 * `GET /api/v1/health/ready`: the health answer, or 503 `draining` once the node is
 * shutting down. `GET /api/v1/health/live` always answers `{status: "ok"}`.
 */
export const readinessResponseSchema = z.union([
  healthResponseSchema,
  z.object({ status: z.literal("draining") }),
]);
export type ReadinessResponse = z.infer<typeof readinessResponseSchema>;

export const livenessResponseSchema = z.object({ status: z.literal("ok") });
