import {
  healthResponseSchema,
  livenessResponseSchema,
  readinessResponseSchema,
} from "@engunity/shared";
import type { ApiRoute } from "./route";

/** Health checks and this document. */
export const HEALTH_ROUTES: readonly ApiRoute[] = [
  {
    method: "get",
    path: "/health",
    summary: "Database and Redis reachability (503 names what is down), and the vector index",
    auth: false,
    response: healthResponseSchema,
  },
  {
    method: "get",
    path: "/health/ready",
    summary: "Readiness: as /health, and 503 `draining` once the node shuts down",
    auth: false,
    response: readinessResponseSchema,
  },
  {
    method: "get",
    path: "/health/live",
    summary: "Liveness: 200 while the process answers",
    auth: false,
    response: livenessResponseSchema,
  },
  { method: "get", path: "/openapi.json", summary: "This document", auth: false },
];
