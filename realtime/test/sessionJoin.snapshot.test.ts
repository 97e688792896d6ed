import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type ClientSocket, connectClient, emitAck, once } from "../../test/support/sockets";
import type { RealtimeNode } from "../src";

type Account = { user: { id: string; username: string }; token: string };

/**
 * The join ack's shared part (session, history page, members page, count) is read once
 * per room and node (`joinSnapshots.ts`), and dropped by the room's own events wherever
 * they come from: a join on node A after a change made through node B shows the change.
 * Each case first caches A's snapshot (a join on A), then changes the room through B.
 */
describe("join snapshots across two nodes", () => {
  let stack: TestStack;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  let apiB: ApiClient;
  let alice: Account;
  let bob: Account;
  let carol: Account;
  let dave: Account;
  const open: ClientSocket[] = [];
  const statements: string[] = [];
  let counting = false;

  const connect = async (account: Account, node: RealtimeNode) => {
    const socket = await connectClient(node.url, account.token);
    open.push(socket);
    return socket;
  };
  const newSession = async (title: string, members: Account[]) => {
    const id = (await apiB.post("/chat/sessions", { title }, alice.token)).body.id as string;
    for (const m of members) {
      await apiB.post(
        `/chat/${id}/members`,
        { username: m.user.username, role: "editor" },
        alice.token,
      );
    }
    return id;
  };
  /** Alice in the room on A: A now holds the room's snapshot. */
  const aliceOnA = async (sessionId: string) => {
    const a = await connect(alice, nodeA);
    expect((await emitAck(a, "session:join", { sessionId })).ok).toBe(true);
    return a;
  };

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true, worker: false });
    nodeA = await stack.startNode();
    nodeB = await stack.startNode();
    apiB = apiClient(nodeB.url);
    alice = await apiB.register("alice");
    bob = await apiB.register("bob");
    carol = await apiB.register("carol");
    dave = await apiB.register("dave");
    // Sequelize reads `options.logging` on every query: count node A's while `counting`.
    const options = (nodeA.ctx.db.sequelize as unknown as { options: { logging: unknown } })
      .options;
    options.logging = (sql: string) => {
      if (counting) statements.push(sql);
    };
  });
  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
  });
  afterAll(() => stack?.close());

  it("a second joiner of a room costs the database its membership read only", async () => {
    const sessionId = await newSession("Cost", [bob, carol]);
    await aliceOnA(sessionId);
    const b = await connect(bob, nodeA);
    statements.length = 0;
    counting = true;
    const ack = await emitAck(b, "session:join", { sessionId });
    counting = false;
    expect(ack.ok).toBe(true);
    expect(ack.memberCount).toBe(3);
    expect(ack.members.map((m: { user: { id: string } }) => m.user.id)).toContain(bob.user.id);
    if (process.env.PRINT_SQL) console.log(statements.map((s) => s.slice(0, 120)).join("\n"));
    // The authorization before entering the room (no eviction ran meanwhile, so no
    // re-check after it), and the joiner's own name for the presence page (the
    // handshake reads no user row); no session, history or member read.
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/FROM "?session_members"?/);
    expect(statements[1]).toMatch(/FROM "users"/);
    // Their next join (another tab) finds the name in the node's user directory.
    const again = await connect(bob, nodeA);
    statements.length = 0;
    counting = true;
    expect((await emitAck(again, "session:join", { sessionId })).ok).toBe(true);
    counting = false;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/FROM "?session_members"?/);
  });

  it("a message sent through node B is in the next join's history on node A", async () => {
    const sessionId = await newSession("Messages", [bob, carol]);
    const a = await aliceOnA(sessionId);
    const b = await connect(bob, nodeB);
    await emitAck(b, "session:join", { sessionId });
    const seen = once(a, "message:new");
    const sent = await emitAck(b, "message:send", {
      sessionId,
      content: "fresh",
      clientId: "fresh-1",
      ai: false,
    });
    expect(sent.ok).toBe(true);
    await seen;
    const c = await connect(carol, nodeA);
    const ack = await emitAck(c, "session:join", { sessionId });
    expect(ack.messages.map((m: { content: string }) => m.content)).toContain("fresh");
    expect(ack.session.messageCount).toBe(1);
  });

  it("a member added and a rename through node B are in the next join on node A", async () => {
    const sessionId = await newSession("Members", [bob]);
    const a = await aliceOnA(sessionId);
    const updated = once(a, "member:updated", (e) => e.memberCount === 3);
    await apiB.post(
      `/chat/${sessionId}/members`,
      { username: dave.user.username, role: "viewer" },
      alice.token,
    );
    await updated;
    const renamed = once(a, "session:updated");
    expect((await apiB.patch(`/chat/${sessionId}`, { title: "Renamed" }, alice.token)).status).toBe(
      200,
    );
    await renamed;
    const d = await connect(dave, nodeA);
    const ack = await emitAck(d, "session:join", { sessionId });
    expect(ack.memberCount).toBe(3);
    expect(ack.members.map((m: { user: { id: string } }) => m.user.id)).toContain(dave.user.id);
    expect(ack.session.title).toBe("Renamed");
    expect(ack.session.role).toBe("viewer");
  });

  it("a room left empty on node A forgets its snapshot (A no longer hears the room)", async () => {
    const sessionId = await newSession("Empty", [bob, carol]);
    const a = await aliceOnA(sessionId);
    await emitAck(a, "session:leave", { sessionId });
    // Node A has nobody in the room: the Redis adapter there drops the room's events.
    const b = await connect(bob, nodeB);
    await emitAck(b, "session:join", { sessionId });
    const sent = await emitAck(b, "message:send", {
      sessionId,
      content: "while away",
      clientId: "away-1",
      ai: false,
    });
    expect(sent.ok).toBe(true);
    const c = await connect(carol, nodeA);
    const ack = await emitAck(c, "session:join", { sessionId });
    expect(ack.messages.map((m: { content: string }) => m.content)).toContain("while away");
  });

  it("a member removed through node B is refused on node A at once, snapshot or not", async () => {
    const sessionId = await newSession("Removed", [bob, carol]);
    await aliceOnA(sessionId);
    const removed = await apiB.del(`/chat/${sessionId}/members/${bob.user.id}`, alice.token);
    expect(removed.status).toBe(204);
    const b = await connect(bob, nodeA);
    const ack = await emitAck(b, "session:join", { sessionId });
    expect(ack.ok).toBeUndefined();
    expect(ack.error.code).toBe("not_found");
  });

  it("a removal whose eviction reaches node A between a join's membership read and its entering the room is refused", async () => {
    const sessionId = await newSession("Race", [bob, carol]);
    const a = await aliceOnA(sessionId);
    const b = await connect(bob, nodeA);
    // Bob's membership read on A comes back with his row; before his join goes on, his
    // removal through node B and its eviction reach node A (which finds no socket of
    // his in the room yet). The read is real; only the schedule is forced.
    const sequelize = nodeA.ctx.db.sequelize;
    const query = sequelize.query;
    let raced = false;
    sequelize.query = async function (this: typeof sequelize, ...args: unknown[]) {
      const rows = await (query as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      const [sql, opts] = args as [string, { bind?: unknown[] } | undefined];
      const membershipRead =
        typeof sql === "string" &&
        /SELECT role FROM "?session_members"?/.test(sql) &&
        opts?.bind?.includes(bob.user.id);
      if (!raced && membershipRead && Array.isArray(rows) && rows.length === 1) {
        raced = true;
        const evicted = once(a, "member:updated", (e) => e.memberCount === 2);
        expect(
          (await apiB.del(`/chat/${sessionId}/members/${bob.user.id}`, alice.token)).status,
        ).toBe(204);
        await evicted;
      }
      return rows;
    } as typeof query;
    let ack: { ok?: true; error?: { code: string } };
    try {
      ack = await emitAck(b, "session:join", { sessionId }, 10_000);
    } finally {
      sequelize.query = query;
    }
    expect(raced).toBe(true);
    expect(ack.ok).toBeUndefined();
    expect(ack.error?.code).toBe("not_found");
  });
});
