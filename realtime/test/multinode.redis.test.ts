import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type PrivateRedis, startPrivateRedis } from "../../test/support/privateRedis";
import {
  type ClientSocket,
  connectClient,
  emitAck,
  once,
  waitFor,
} from "../../test/support/sockets";
import { startTcpProxy } from "../../test/support/tcpProxy";
import type { RealtimeNode } from "../src";

/** Redis dies under two nodes and comes back: nothing exits, cross-node delivery resumes, nothing is lost. */
describe("two nodes when Redis restarts", () => {
  let stack: TestStack;
  let redis: PrivateRedis;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  let api: ApiClient;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    stack = await createTestStack("postgres");
    const env = { REDIS_URL: redis.url };
    nodeA = await stack.startNode(env);
    nodeB = await stack.startNode(env);
    api = apiClient(nodeA.url);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await stack?.close();
    await redis?.kill();
  });

  it("keeps serving while Redis is down and resumes cross-node delivery within seconds of its return", async () => {
    const alice = await api.register("alice");
    const bob = await api.register("bob");
    const sessionId = (await api.post("/chat/sessions", { title: "Outage" }, alice.token)).body
      .id as string;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "editor" }, alice.token);
    const a = await connectClient(nodeA.url, alice.token);
    const b = await connectClient(nodeB.url, bob.token);
    sockets.push(a, b);
    await emitAck(a, "session:join", { sessionId });
    await emitAck(b, "session:join", { sessionId });
    const first = once(b, "message:new", (e) => e.message.content === "before");
    await emitAck(a, "message:send", { sessionId, content: "before", clientId: "r-0" });
    await first;

    await redis.kill();
    // Node A still takes and stores messages; sockets stay up.
    const during = await emitAck(
      a,
      "message:send",
      { sessionId, content: "during outage", clientId: "r-1" },
      10_000,
    );
    expect(during.ok).toBe(true);
    expect(a.connected && b.connected).toBe(true);

    await redis.restart();
    const back = Date.now();
    // Probe until a live message crosses from A to B again.
    let crossed = false;
    b.on("message:new", (e) => {
      if (e.message.content.startsWith("probe")) crossed = true;
    });
    for (let i = 0; !crossed; i++) {
      expect(Date.now() - back, "cross-node delivery did not resume within 10 s").toBeLessThan(
        10_000,
      );
      await emitAck(
        a,
        "message:send",
        { sessionId, content: `probe ${i}`, clientId: `probe-${i}` },
        5000,
      );
      await once(b, "message:new", (e) => e.message.content === `probe ${i}`, 500).catch(() => {});
    }
    // Presence heals too: node A sees bob (on B) again.
    await waitFor(
      async () => (await nodeA.ctx.onlineUserIds(sessionId)).has(bob.user.id),
      "presence after Redis returned",
      10_000,
    );

    // Bob fills the gap from the database on re-join.
    const rejoin = await emitAck(b, "session:join", { sessionId });
    const stored = await nodeA.ctx.db.models.ChatMessage.findAll({
      where: { sessionId },
      order: [
        ["createdAt", "ASC"],
        ["id", "ASC"],
      ],
    });
    expect(rejoin.messages.map((m: { id: string }) => m.id)).toEqual(stored.map((m) => m.id));
    expect(stored.map((m) => m.content)).toContain("during outage");
  }, 60_000);

  it("replays to a node cut off from Redis the messages stored meanwhile, without a re-join", async () => {
    const proxy = await startTcpProxy(redis.port);
    const cutOff = await stack.startNode({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    try {
      const carol = await api.register("carol");
      const dan = await api.register("dan");
      const sessionId = (await api.post("/chat/sessions", { title: "Away" }, carol.token)).body
        .id as string;
      await api.post(
        `/chat/${sessionId}/members`,
        { username: "dan", role: "viewer" },
        carol.token,
      );
      const c = await connectClient(nodeA.url, carol.token);
      const d = await connectClient(cutOff.url, dan.token);
      sockets.push(c, d);
      await emitAck(c, "session:join", { sessionId });
      await emitAck(d, "session:join", { sessionId });
      const live = once(d, "message:new", (e) => e.message.content === "live");
      await emitAck(c, "message:send", { sessionId, content: "live", clientId: "away-0" });
      await live;

      // Only the one node loses Redis: node A's publish goes out, and no one on that
      // node hears it (pub/sub keeps nothing for a subscriber that is away).
      await proxy.cut();
      const seen: string[] = [];
      d.on("message:new", (e) => seen.push(e.message.content));
      const missed = ["while away 1", "while away 2"];
      for (const [i, content] of missed.entries()) {
        const ack = await emitAck(c, "message:send", {
          sessionId,
          content,
          clientId: `away-${i + 1}`,
        });
        expect(ack.ok).toBe(true);
      }
      await proxy.restore();
      await waitFor(
        () => missed.every((m) => seen.includes(m)),
        "the missed messages replayed",
        15_000,
      );
      // In the order they were stored, and "live" (within the replay's clock margin)
      // at most again, which the client drops by id.
      expect(seen.filter((m) => m !== "live")).toEqual(missed);
    } finally {
      await cutOff.close();
      stack.nodes.splice(stack.nodes.indexOf(cutOff), 1);
      await proxy.close();
    }
  }, 60_000);
});
