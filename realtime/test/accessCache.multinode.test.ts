import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type ClientSocket, connectClient, emitAck, waitFor } from "../../test/support/sockets";
import type { RealtimeNode } from "../src";

type Account = { user: { id: string; username: string }; token: string };

/**
 * The send path's access cache (realtime/src/accessCache.ts) across two nodes: a member
 * who sent on node B (so B holds their access) and is then removed, made a viewer, or
 * loses the session through node A — or straight in the database, where no event tells
 * any node — is refused on B at the very next send, and nothing is stored. What the
 * cache holds besides trust (settings, names) follows the changes on every node.
 */
describe("access cache across two nodes", () => {
  let stack: TestStack;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  let apiA: ApiClient;
  let alice: Account;
  let bob: Account;
  const open: ClientSocket[] = [];
  let seq = 0;

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true, worker: false });
    nodeA = await stack.startNode();
    nodeB = await stack.startNode();
    apiA = apiClient(nodeA.url);
    alice = await apiA.register("alice");
    bob = await apiA.register("bob");
  });
  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
  });
  afterAll(() => stack?.close());

  /** A session of alice's with bob an editor, and bob on node B having sent once. */
  const bobSentOnB = async () => {
    const sessionId = (await apiA.post("/chat/sessions", { title: "cache" }, alice.token)).body
      .id as string;
    await apiA.post(
      `/chat/${sessionId}/members`,
      { username: bob.user.username, role: "editor" },
      alice.token,
    );
    const b = await connectClient(nodeB.url, bob.token);
    open.push(b);
    const first = await send(b, sessionId);
    expect(first.ok).toBe(true);
    return { sessionId, b };
  };
  const send = (socket: ClientSocket, sessionId: string, extra: object = {}) =>
    emitAck(socket, "message:send", {
      sessionId,
      content: `m${++seq}`,
      clientId: `c${seq}`,
      ai: false,
      ...extra,
    });
  const stored = (sessionId: string) =>
    nodeA.ctx.db.models.ChatMessage.count({ where: { sessionId } });

  it("refuses a member removed through node A at their next send on node B", async () => {
    const { sessionId, b } = await bobSentOnB();
    expect((await apiA.del(`/chat/${sessionId}/members/${bob.user.id}`, alice.token)).status).toBe(
      204,
    );
    const before = await stored(sessionId);
    const ack = await send(b, sessionId);
    expect(ack).toMatchObject({ error: { code: "not_found" } });
    expect(await stored(sessionId)).toBe(before);
  });

  it("refuses on node B a member removed in the database, with no event to any node", async () => {
    const { sessionId, b } = await bobSentOnB();
    await nodeA.ctx.db.models.SessionMember.destroy({ where: { sessionId, userId: bob.user.id } });
    const before = await stored(sessionId);
    // Node B still holds bob's access: only the INSERT's own check stands in the way.
    const ack = await send(b, sessionId);
    expect(ack).toMatchObject({ error: { code: "not_found" } });
    // A retried clientId is refused too (never answered from a stored copy).
    const retry = await emitAck(b, "message:send", {
      sessionId,
      content: "again",
      clientId: `c${seq - 1}`,
      ai: false,
    });
    expect(retry).toMatchObject({ error: { code: "not_found" } });
    expect(await stored(sessionId)).toBe(before);
  });

  it("refuses a member made a viewer (through node A, or in the database) at once on node B", async () => {
    const { sessionId, b } = await bobSentOnB();
    await apiA.patch(`/chat/${sessionId}/members/${bob.user.id}`, { role: "viewer" }, alice.token);
    const before = await stored(sessionId);
    expect(await send(b, sessionId)).toMatchObject({ error: { code: "forbidden" } });

    await apiA.patch(`/chat/${sessionId}/members/${bob.user.id}`, { role: "editor" }, alice.token);
    expect((await send(b, sessionId)).ok).toBe(true);
    await nodeA.ctx.db.models.SessionMember.update(
      { role: "viewer" },
      { where: { sessionId, userId: bob.user.id } },
    );
    expect(await send(b, sessionId)).toMatchObject({ error: { code: "forbidden" } });
    expect(await stored(sessionId)).toBe(before + 1);
  });

  it("refuses on node B a member deactivated in the database, with no event to any node", async () => {
    const { sessionId, b } = await bobSentOnB();
    const before = await stored(sessionId);
    await nodeA.ctx.db.models.User.update({ isActive: false }, { where: { id: bob.user.id } });
    try {
      // Node B still holds bob's access and his socket: the INSERT's own check refuses.
      expect(await send(b, sessionId)).toMatchObject({ error: { code: "forbidden" } });
      expect(await stored(sessionId)).toBe(before);
    } finally {
      await nodeA.ctx.db.models.User.update({ isActive: true }, { where: { id: bob.user.id } });
    }
    expect((await send(b, sessionId)).ok).toBe(true);
  });

  it("refuses a send on node B into a session deleted through node A", async () => {
    const { sessionId, b } = await bobSentOnB();
    expect((await apiA.del(`/chat/${sessionId}`, alice.token)).status).toBe(204);
    expect(await send(b, sessionId)).toMatchObject({ error: { code: "not_found" } });
  });

  it("takes a settings change and a new name made through node A on node B's next read", async () => {
    const { sessionId } = await bobSentOnB();
    const cached = () => nodeB.ctx.access.authorize(bob.user.id, sessionId, "write");
    expect((await cached()).session.settings?.aiMode).not.toBe("every");
    await apiA.patch(`/chat/${sessionId}`, { settings: { aiMode: "every" } }, alice.token);
    await waitFor(
      async () => (await cached()).session.settings?.aiMode === "every",
      "node B to drop the session's cached settings",
      2000,
    );
    await apiA.patch("/auth/me", { fullName: "Robert" }, bob.token);
    await waitFor(
      async () => (await cached()).user.fullName === "Robert",
      "node B to drop bob's cached user",
      2000,
    );
  });
});

/** Embedded mode (SQLite, one node, no Redis): the write's own check refuses the same. */
describe("access cache on SQLite", () => {
  let stack: TestStack;
  let node: RealtimeNode;
  afterAll(() => stack?.close());

  it("refuses a member removed or made a viewer in the database at their next send", async () => {
    stack = await createTestStack("sqlite", { worker: false });
    node = await stack.startNode();
    const api = apiClient(node.url);
    const alice = await api.register("alice");
    const bob = await api.register("bob");
    const sessionId = (await api.post("/chat/sessions", { title: "lite" }, alice.token)).body
      .id as string;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "editor" }, alice.token);
    const b = await connectClient(node.url, bob.token);
    try {
      const send = (clientId: string) =>
        emitAck(b, "message:send", { sessionId, content: clientId, clientId, ai: false });
      expect((await send("l1")).ok).toBe(true);
      const where = { sessionId, userId: bob.user.id };
      await node.ctx.db.models.SessionMember.update({ role: "viewer" }, { where });
      expect(await send("l2")).toMatchObject({ error: { code: "forbidden" } });
      await node.ctx.db.models.SessionMember.update({ role: "editor" }, { where });
      expect((await send("l3")).ok).toBe(true);
      await node.ctx.db.models.User.update({ isActive: false }, { where: { id: bob.user.id } });
      expect(await send("l3b")).toMatchObject({ error: { code: "forbidden" } });
      await node.ctx.db.models.User.update({ isActive: true }, { where: { id: bob.user.id } });
      await node.ctx.db.models.SessionMember.destroy({ where });
      expect(await send("l4")).toMatchObject({ error: { code: "not_found" } });
      const contents = (
        await node.ctx.db.models.ChatMessage.findAll({
          where: { sessionId },
          order: [["createdAt", "ASC"]],
        })
      ).map((m) => m.content);
      expect(contents).toEqual(["l1", "l3"]);
    } finally {
      b.close();
    }
  });
});
