import type { RealtimeNode } from "@engunity/realtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../support/api";
import { createTestStack, type TestStack } from "../support/node";

/** The worker fills an answer's analytics columns when it finishes (migration 008). */
describe("answer analytics columns", () => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;

  beforeAll(async () => {
    stack = await createTestStack("sqlite");
    node = await stack.startNode();
    api = apiClient(node.url);
  });
  afterAll(() => stack?.close());

  it("stores provider, model, asker and timings of a real answer, and the dashboard counts it", async () => {
    const admin = await api.register("root");
    const sent = await api.post("/chat/", { content: "hello?", ai: true }, admin.token);
    expect(sent.status, sent.text).toBe(200);
    const id = sent.body.assistantMessage.id;
    const row = await node.ctx.db.models.ChatMessage.findByPk(id);
    expect(row).toMatchObject({ aiProvider: "offline", askerId: admin.user.id });
    expect(row!.aiModel).toBeTruthy();
    expect(row!.durationMs).toBeGreaterThanOrEqual(0);
    const a = await api.get(
      "/admin/analytics?from=2000-01-01T00:00:00Z&to=2099-01-01T00:00:00Z",
      admin.token,
    );
    expect(a.status, a.text).toBe(400); // longer than 400 days
    const week = await api.get("/admin/analytics", admin.token);
    expect(week.body.latency).toEqual([
      expect.objectContaining({ provider: "offline", answers: 1 }),
    ]);
    expect(week.body.messagesByUser).toEqual([
      { userId: admin.user.id, username: "root", messages: 1 },
    ]);
  });
});
