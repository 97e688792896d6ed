import { readinessResponseSchema } from "@engunity/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";

/**
 * Readiness and liveness are separate: on shutdown a node answers readiness 503
 * `draining` (for SHUTDOWN_DRAIN_MS, still serving) before it stops accepting, while
 * liveness and the contract's `/health` stay 200.
 */
describe("health probes while a node drains", () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await createTestStack("sqlite", { worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it("turns readiness to 503 draining on close, keeps liveness and /health at 200, then stops accepting", async () => {
    const node = await stack.startNode({ SHUTDOWN_DRAIN_MS: "1500" });
    const api = apiClient(node.url);
    const ready = await api.get("/health/ready");
    expect(ready.status).toBe(200);
    expect(readinessResponseSchema.parse(ready.body)).toEqual({
      status: "ok",
      db: "ok",
      redis: "disabled",
    });

    const closed = node.close();
    const draining = await api.get("/health/ready");
    expect(draining.status).toBe(503);
    expect(draining.body).toEqual({ status: "draining" });
    expect((await api.get("/health/live")).body).toEqual({ status: "ok" });
    expect((await api.get("/health")).status).toBe(200);

    await closed;
    await expect(fetch(`${node.url}/api/v1/health/live`)).rejects.toThrow();
  });
});
