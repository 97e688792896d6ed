import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type PrivateRedis, startPrivateRedis } from "../../test/support/privateRedis";
import { connectClient, waitFor } from "./yjsClients";

/**
 * Redis dies under two nodes while clients on both keep editing: each node keeps
 * serving its own clients, and once Redis is back the nodes resync and every copy
 * converges, with nothing lost.
 */
describe("Yjs across two nodes when Redis restarts", () => {
  let stack: TestStack;
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    stack = await createTestStack("postgres");
    const env = { REDIS_URL: redis.url };
    await stack.startNode(env);
    await stack.startNode(env);
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.kill();
  });

  it("converges within seconds of Redis coming back", async () => {
    const [a, b] = stack.nodes;
    const api = apiClient(a!.url);
    const alice = await api.register("alice");
    const bob = await api.register("bob");
    const sessionId = (await api.post("/chat/sessions", { title: "Outage" }, alice.token)).body.id;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "editor" }, alice.token);
    const ca = await connectClient(api, a!.url, sessionId, alice.token);
    const cb = await connectClient(api, b!.url, sessionId, bob.token);
    ca.doc.getText("draft").insert(0, "before ");
    await waitFor(() => cb.draft() === "before ", "edit crosses nodes");

    await redis.kill();
    ca.doc.getText("draft").insert(ca.draft().length, "A-offline ");
    cb.doc.getText("draft").insert(0, "B-offline ");
    cb.doc.getText("title").insert(0, "Still ");
    // Each node still serves its own clients.
    await waitFor(
      () =>
        b!.yjs.registry
          .get(`session:${sessionId}`)
          ?.doc.getText("draft")
          .toString()
          .startsWith("B-offline") ?? false,
      "node B takes edits during the outage",
    );
    expect(ca.provider.wsconnected && cb.provider.wsconnected).toBe(true);
    // Wait until queued Redis commands give up (maxRetriesPerRequest), so the offline
    // edits are really lost to pub/sub and only the resync can bring them across.
    for (const node of [a!, b!]) {
      await waitFor(
        () =>
          node.ctx.redis!.ping().then(
            () => false,
            () => true,
          ),
        "Redis commands failing",
        10_000,
      );
    }

    await redis.restart();
    const back = Date.now();
    await waitFor(
      () => ca.draft() === cb.draft() && ca.title() === cb.title(),
      "copies converge after Redis returns",
      10_000,
    );
    expect(Date.now() - back).toBeLessThan(10_000);
    expect(ca.draft()).toContain("A-offline");
    expect(ca.draft()).toContain("B-offline");
    expect(ca.title()).toBe("Still Outage");
    ca.destroy();
    cb.destroy();
  });
});
