import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import {
  barrier,
  type ClientSocket,
  collect,
  connectClient,
  emitAck,
  once,
} from "../../test/support/sockets";
import type { RealtimeNode } from "../src";

type Account = { user: { id: string; username: string }; token: string };

/** Two realtime nodes on one Postgres and one Redis: a room spans both. */
describe("two realtime nodes with Redis", () => {
  let stack: TestStack;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  let apiA: ApiClient;
  let alice: Account;
  let bob: Account;
  let carol: Account;
  const open: ClientSocket[] = [];

  const connect = async (account: Account, node: RealtimeNode) => {
    const socket = await connectClient(node.url, account.token);
    open.push(socket);
    return socket;
  };
  const newSession = async (title: string, members: Account[]) => {
    const id = (await apiA.post("/chat/sessions", { title }, alice.token)).body.id as string;
    for (const m of members) {
      await apiA.post(
        `/chat/${id}/members`,
        { username: m.user.username, role: "editor" },
        alice.token,
      );
    }
    return id;
  };
  const ids = (users: { id: string }[]) => users.map((u) => u.id).sort();

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true });
    nodeA = await stack.startNode();
    nodeB = await stack.startNode();
    apiA = apiClient(nodeA.url);
    alice = await apiA.register("alice");
    bob = await apiA.register("bob");
    carol = await apiA.register("carol");
  });
  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
  });
  afterAll(() => stack?.close());

  it("shares messages, presence and typing between clients on different nodes", async () => {
    const sessionId = await newSession("Across", [bob]);
    const a = await connect(alice, nodeA);
    const b = await connect(bob, nodeB);
    await emitAck(a, "session:join", { sessionId, presence: "full" });
    const bobSeen = once(a, "presence", (e) => e.users.length === 2);
    const joined = await emitAck(b, "session:join", { sessionId });
    expect(ids(joined.presence)).toEqual(ids([alice.user, bob.user]));
    expect(ids((await bobSeen).users)).toEqual(ids([alice.user, bob.user]));
    // Node B's REST sees alice (on node A) online.
    const members = await apiClient(nodeB.url).get(`/chat/${sessionId}/members`, bob.token);
    expect(members.body.members.every((m: { online: boolean }) => m.online)).toBe(true);

    const typing = once(a, "typing", (e) => e.typing);
    b.emit("typing", { sessionId, typing: true });
    expect(await typing).toEqual({ sessionId, userId: bob.user.id, typing: true });

    const seenA = collect(a, "message:new");
    const seenB = collect(b, "message:new");
    // Each member sends in turn (awaiting each ack), both members at once.
    const sendAll = async (socket: ClientSocket, tag: string) => {
      const acks = [];
      for (let i = 0; i < 5; i++) {
        acks.push(
          await emitAck(socket, "message:send", {
            sessionId,
            content: `${tag}${i}`,
            clientId: `x${tag}-${i}`,
          }),
        );
      }
      return acks;
    };
    const acks = (await Promise.all([sendAll(a, "a"), sendAll(b, "b")])).flat();
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const all = (seen: { message: { id: string } }[]) => seen.length === 10;
    const until = async (seen: { message: { id: string } }[]) => {
      for (let i = 0; !all(seen) && i < 100; i++) await barrier(a).then(() => barrier(b));
    };
    await until(seenA);
    await until(seenB);
    const stored = await nodeA.ctx.db.models.ChatMessage.findAll({ where: { sessionId } });
    const storedIds = stored.map((m) => m.id).sort();
    expect(seenA.map((e) => e.message.id).sort()).toEqual(storedIds);
    expect(seenB.map((e) => e.message.id).sort()).toEqual(storedIds);
    // Each sender's messages arrive everywhere in the order they were sent. (Messages
    // of two nodes racing may interleave differently on each node: clients order by
    // createdAt, and history from the database is the reference.)
    for (const seen of [seenA, seenB]) {
      const contents = seen.map((e) => e.message.content);
      expect(contents.filter((c) => c.startsWith("a"))).toEqual(["a0", "a1", "a2", "a3", "a4"]);
      expect(contents.filter((c) => c.startsWith("b"))).toEqual(["b0", "b1", "b2", "b3", "b4"]);
    }

    // Sending ended bob's typing; he starts again, then his connection drops.
    const typingAgain = once(a, "typing", (e) => e.typing);
    b.emit("typing", { sessionId, typing: true });
    await typingAgain;
    const typingOff = once(a, "typing", (e) => !e.typing);
    const bobGone = once(a, "presence", (e) => e.users.length === 1);
    b.close();
    await typingOff;
    expect(ids((await bobGone).users)).toEqual([alice.user.id]);
  });

  it("evicts a member removed through node A from the room on node B at once", async () => {
    const sessionId = await newSession("Evict across", [bob, carol]);
    const b = await connect(bob, nodeB);
    const c = await connect(carol, nodeB);
    const a = await connect(alice, nodeA);
    await emitAck(a, "session:join", { sessionId, presence: "full" });
    await emitAck(b, "session:join", { sessionId });
    await emitAck(c, "session:join", { sessionId });
    const seenC = collect(c, "message:new");
    const carolGone = once(
      a,
      "presence",
      (e) => !e.users.some((u) => u.id === carol.user.id) && e.users.length === 2,
    );
    const membersUpdated = once(b, "member:updated", (e) => e.members.length === 2);
    expect(
      (await apiA.del(`/chat/${sessionId}/members/${carol.user.id}`, alice.token)).status,
    ).toBe(204);
    await membersUpdated;
    await carolGone;
    const arrived = once(b, "message:new", (e) => e.message.content === "not for carol");
    await emitAck(a, "message:send", { sessionId, content: "not for carol", clientId: "nfc" });
    await arrived;
    await barrier(c);
    expect(seenC).toEqual([]);
  });

  it("announces a delete on node A to sockets on node B", async () => {
    const sessionId = await newSession("Doomed", [bob]);
    const b = await connect(bob, nodeB);
    await emitAck(b, "session:join", { sessionId });
    const deleted = once(b, "session:deleted");
    await apiA.del(`/chat/${sessionId}`, alice.token);
    expect(await deleted).toEqual({ sessionId });
  });
});
