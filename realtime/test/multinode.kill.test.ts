import { createDb, type Db } from "@engunity/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type ProcessNode, startProcessNode } from "../../test/support/processNode";
import {
  type ClientSocket,
  connectAny,
  connectClient,
  emitAck,
  once,
} from "../../test/support/sockets";

type Account = { user: { id: string; username: string }; token: string };

/**
 * Two realtime nodes as child processes on one Postgres and Redis. Node A gets
 * `kill -9`: its clients move to node B and end up with the database's history, node B
 * keeps serving, and A's users drop out of presence within seconds.
 */
describe("a realtime node killed with SIGKILL", () => {
  let stack: TestStack;
  let db: Db;
  let nodeA: ProcessNode;
  let nodeB: ProcessNode;
  let api: ApiClient;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true });
    // One after the other: the first runs the migrations.
    nodeA = await startProcessNode(stack.env);
    nodeB = await startProcessNode(stack.env);
    api = apiClient(nodeB.url);
    db = createDb({ databaseUrl: stack.env.DATABASE_URL });
  }, 120_000);
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await Promise.all([nodeA?.kill(), nodeB?.stop()]);
    await db?.close();
    await stack?.close();
  });

  it("moves A's clients to B with history equal to the database, and drops A's users from presence", async () => {
    const alice: Account = await api.register("alice");
    const bob: Account = await api.register("bob");
    const carol: Account = await api.register("carol");
    const sessionId = (await api.post("/chat/sessions", { title: "Failover" }, alice.token)).body
      .id as string;
    for (const m of [bob, carol]) {
      await api.post(
        `/chat/${sessionId}/members`,
        { username: m.user.username, role: "editor" },
        alice.token,
      );
    }
    const urls = [nodeA.url, nodeB.url];
    // Straight to A (not connectAny): if A refused, the failure names A's reason.
    const aliceA = await connectClient(nodeA.url, alice.token);
    const carolA = await connectClient(nodeA.url, carol.token);
    const bobB = await connectClient(nodeB.url, bob.token);
    sockets.push(aliceA, carolA, bobB);
    await emitAck(bobB, "session:join", { sessionId, presence: "full" });
    const everyone = once(bobB, "presence", (e) => e.users.length === 3, 10_000);
    await emitAck(aliceA, "session:join", { sessionId });
    await emitAck(carolA, "session:join", { sessionId });
    await everyone;

    const acked: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ack = await emitAck(aliceA, "message:send", {
        sessionId,
        content: `before ${i}`,
        clientId: `k-${i}`,
      });
      acked.push(ack.message.id);
    }
    // One send in flight as the node dies: its ack may never come, so it is retried on B.
    const inFlight = { sessionId, content: "in flight", clientId: "k-flight" };
    const lostAck = emitAck(aliceA, "message:send", inFlight, 2000).catch(() => null);

    const aliceCut = once(aliceA, "disconnect", () => true, 10_000);
    const carolDropped = once(
      bobB,
      "presence",
      (e) => !e.users.some((u) => u.id === carol.user.id),
      15_000,
    );
    const killedAt = Date.now();
    await nodeA.kill();
    await aliceCut;
    await lostAck;

    // Alice's client fails over to the next node and re-joins.
    const { socket: aliceB, url: second } = await connectAny(urls, alice.token);
    sockets.push(aliceB);
    expect(second).toBe(nodeB.url);
    const rejoin = await emitAck(aliceB, "session:join", { sessionId });
    expect(rejoin.ok).toBe(true);
    const retried = await emitAck(aliceB, "message:send", inFlight);
    expect(retried.ok).toBe(true);

    // B keeps serving: a new message reaches bob.
    const bobGetsIt = once(bobB, "message:new", (e) => e.message.content === "after failover");
    const after = await emitAck(aliceB, "message:send", {
      sessionId,
      content: "after failover",
      clientId: "k-after",
    });
    expect((await bobGetsIt).message.id).toBe(after.message.id);

    // Carol (still pointed at dead A) leaves presence within seconds of the kill.
    const presence = await carolDropped;
    const dropSeconds = (Date.now() - killedAt) / 1000;
    expect(dropSeconds).toBeLessThan(10);
    expect(presence.users.map((u) => u.id)).not.toContain(carol.user.id);

    // Every acked message is stored once, and alice's history equals the database.
    const stored = await db.models.ChatMessage.findAll({
      where: { sessionId },
      order: [
        ["createdAt", "ASC"],
        ["id", "ASC"],
      ],
    });
    for (const id of [...acked, retried.message.id, after.message.id]) {
      expect(stored.map((m) => m.id)).toContain(id);
    }
    expect(stored.filter((m) => m.clientId === "k-flight")).toHaveLength(1);
    const final = await emitAck(aliceB, "session:join", { sessionId });
    expect(final.messages.map((m: { id: string }) => m.id)).toEqual(stored.map((m) => m.id));
    console.info(
      `[multinode.kill] carol dropped from presence ${dropSeconds.toFixed(1)} s after SIGKILL`,
    );
  }, 60_000);
});
