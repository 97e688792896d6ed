import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";
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

/** The Socket.IO gateway on one node, embedded (SQLite, no Redis) and scaled (Postgres). */
describe.each<DbKind>(["sqlite", "postgres"])("socket gateway on %s", (kind) => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;
  let alice: Account;
  let bob: Account;
  let carol: Account;
  const open: ClientSocket[] = [];

  const connect = async (account: Account) => {
    const socket = await connectClient(node.url, account.token);
    open.push(socket);
    return socket;
  };
  const newSession = async (title = "room", members: [Account, string][] = []) => {
    const created = await api.post("/chat/sessions", { title }, alice.token);
    for (const [account, role] of members) {
      const added = await api.post(
        `/chat/${created.body.id}/members`,
        { username: account.user.username, role },
        alice.token,
      );
      expect(added.status).toBe(201);
    }
    return created.body.id as string;
  };
  const storedMessages = (sessionId: string) =>
    node.ctx.db.models.ChatMessage.findAll({
      where: { sessionId },
      order: [
        ["createdAt", "ASC"],
        ["id", "ASC"],
      ],
    });

  beforeAll(async () => {
    stack = await createTestStack(kind);
    node = await stack.startNode();
    api = apiClient(node.url);
    alice = await api.register("alice");
    bob = await api.register("bob");
    carol = await api.register("carol");
  });
  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
  });
  afterAll(() => stack?.close());

  it("joins a session and gets session, history, members and presence in the ack", async () => {
    const sessionId = await newSession("Planning", [[bob, "editor"]]);
    await api.post(
      "/chat/",
      { sessionId, content: "before anyone joined", clientId: "pre-1" },
      alice.token,
    );
    const a = await connect(alice);
    const ack = await emitAck(a, "session:join", { sessionId });
    expect(ack.ok).toBe(true);
    expect(ack.session).toMatchObject({ id: sessionId, title: "Planning", role: "owner" });
    expect(ack.messages.map((m: { content: string }) => m.content)).toEqual([
      "before anyone joined",
    ]);
    expect(
      ack.members
        .map((m: { user: { username: string }; online: boolean }) => [m.user.username, m.online])
        .sort(),
    ).toEqual([
      ["alice", true],
      ["bob", false],
    ]);
    expect(ack.presence.map((u: { id: string }) => u.id)).toEqual([alice.user.id]);
    expect(ack.generations).toEqual([]);
  });

  it("delivers two members' messages to both in the same order", async () => {
    const sessionId = await newSession("Order", [[bob, "editor"]]);
    const a = await connect(alice);
    const b = await connect(bob);
    await emitAck(a, "session:join", { sessionId });
    await emitAck(b, "session:join", { sessionId });
    const seenA = collect(a, "message:new");
    const seenB = collect(b, "message:new");
    const sends = [];
    for (let i = 0; i < 10; i++) {
      sends.push(emitAck(a, "message:send", { sessionId, content: `a${i}`, clientId: `a-${i}` }));
      sends.push(emitAck(b, "message:send", { sessionId, content: `b${i}`, clientId: `b-${i}` }));
    }
    const acks = await Promise.all(sends);
    expect(acks.every((ack) => ack.ok === true)).toBe(true);
    await Promise.all([barrier(a), barrier(b)]);
    const ids = (seen: { message: { id: string } }[]) => seen.map((e) => e.message.id);
    expect(seenA).toHaveLength(20);
    expect(ids(seenA)).toEqual(ids(seenB));
    // Every acked message was stored, and the stored set is what was broadcast.
    const stored = await storedMessages(sessionId);
    expect(stored.map((m) => m.id).sort()).toEqual(ids(seenA).sort());
    expect(new Set(acks.map((ack) => ack.message.id))).toEqual(new Set(ids(seenA)));
  });

  it("stores a message sent twice with one clientId once, and acks the same message", async () => {
    const sessionId = await newSession("Dup", [[bob, "editor"]]);
    const a = await connect(alice);
    const b = await connect(bob);
    await emitAck(a, "session:join", { sessionId });
    await emitAck(b, "session:join", { sessionId });
    const seenB = collect(b, "message:new");
    const payload = { sessionId, content: "only once", clientId: "dup-1" };
    const [first, second] = await Promise.all([
      emitAck(a, "message:send", payload),
      emitAck(a, "message:send", payload),
    ]);
    const third = await emitAck(a, "message:send", payload);
    expect(first.ok && second.ok && third.ok).toBe(true);
    expect(second.message.id).toBe(first.message.id);
    expect(third.message.id).toBe(first.message.id);
    const count = await node.ctx.db.models.ChatMessage.count({
      where: { sessionId, clientId: "dup-1" },
    });
    expect(count).toBe(1);
    await barrier(b);
    expect(seenB.map((e) => e.message.id)).toEqual([first.message.id]);
  });

  it("keeps one member's clientId from swallowing another member's send", async () => {
    const sessionId = await newSession("Keys", [[bob, "editor"]]);
    const a = await connect(alice);
    const b = await connect(bob);
    await emitAck(a, "session:join", { sessionId });
    await emitAck(b, "session:join", { sessionId });
    const seenA = collect(a, "message:new");
    // Concurrently (one statement on Postgres) and one after the other.
    const [fromAlice, fromBob] = await Promise.all([
      emitAck(a, "message:send", { sessionId, content: "alice's words", clientId: "k-1" }),
      emitAck(b, "message:send", { sessionId, content: "bob's words", clientId: "k-1" }),
    ]);
    const later = await emitAck(b, "message:send", {
      sessionId,
      content: "bob again",
      clientId: "k-2",
    });
    const taken = await emitAck(a, "message:send", {
      sessionId,
      content: "alice on k-2",
      clientId: "k-2",
    });
    expect([fromAlice.ok, fromBob.ok, later.ok, taken.ok]).toEqual([true, true, true, true]);
    expect(fromBob.message.content).toBe("bob's words");
    expect(fromBob.message.id).not.toBe(fromAlice.message.id);
    expect(taken.message.content).toBe("alice on k-2");
    // A retry is still answered from its own sender's copy.
    const retry = await emitAck(b, "message:send", {
      sessionId,
      content: "bob's words",
      clientId: "k-1",
    });
    expect(retry.message.id).toBe(fromBob.message.id);
    const stored = await storedMessages(sessionId);
    expect(stored.map((m) => m.content).sort()).toEqual(
      ["alice on k-2", "alice's words", "bob again", "bob's words"].sort(),
    );
    await barrier(a);
    expect(seenA).toHaveLength(4);
  });

  it("returns the history missed while disconnected on re-join", async () => {
    const sessionId = await newSession("Reconnect", [[bob, "editor"]]);
    const a = await connect(alice);
    await emitAck(a, "session:join", { sessionId });
    const b1 = await connect(bob);
    const joined = await emitAck(b1, "session:join", { sessionId });
    expect(joined.messages).toEqual([]);
    b1.close();
    for (let i = 0; i < 3; i++) {
      await emitAck(a, "message:send", { sessionId, content: `missed ${i}`, clientId: `m-${i}` });
    }
    const b2 = await connect(bob);
    const rejoined = await emitAck(b2, "session:join", { sessionId });
    const stored = await storedMessages(sessionId);
    expect(rejoined.messages.map((m: { id: string }) => m.id)).toEqual(stored.map((m) => m.id));
    expect(rejoined.messages.map((m: { content: string }) => m.content)).toEqual([
      "missed 0",
      "missed 1",
      "missed 2",
    ]);
  });

  it("announces REST writes to the room: send, rename, member added and removed, delete", async () => {
    const sessionId = await newSession("REST", [[bob, "editor"]]);
    const b = await connect(bob);
    await emitAck(b, "session:join", { sessionId });

    const sent = once(b, "message:new", (e) => e.message.content === "via REST");
    await api.post("/chat/", { sessionId, content: "via REST", clientId: "r-1" }, alice.token);
    expect((await sent).message.author?.username).toBe("alice");

    const renamed = once(b, "session:updated");
    await api.patch(`/chat/${sessionId}`, { title: "Renamed" }, alice.token);
    expect((await renamed).session).toMatchObject({ id: sessionId, title: "Renamed" });

    const added = once(b, "member:updated", (e) => e.members.length === 3);
    await api.post(
      `/chat/${sessionId}/members`,
      { username: "carol", role: "viewer" },
      alice.token,
    );
    const members = (await added).members;
    expect(members.find((m) => m.user.id === carol.user.id)).toMatchObject({
      role: "viewer",
      online: false,
    });
    expect(members.find((m) => m.user.id === bob.user.id)?.online).toBe(true);

    const removed = once(b, "member:updated", (e) => e.members.length === 2);
    await api.del(`/chat/${sessionId}/members/${carol.user.id}`, alice.token);
    await removed;

    const deleted = once(b, "session:deleted");
    await api.del(`/chat/${sessionId}`, alice.token);
    expect(await deleted).toEqual({ sessionId });
  });

  it("takes a removed member's sockets out of the room at once", async () => {
    const sessionId = await newSession("Evict", [
      [bob, "editor"],
      [carol, "editor"],
    ]);
    const b = await connect(bob);
    const c = await connect(carol);
    await emitAck(b, "session:join", { sessionId });
    await emitAck(c, "session:join", { sessionId });
    const seenC = collect(c, "message:new");
    expect((await api.del(`/chat/${sessionId}/members/${carol.user.id}`, alice.token)).status).toBe(
      204,
    );
    const arrived = once(b, "message:new", (e) => e.message.content === "after removal");
    await api.post("/chat/", { sessionId, content: "after removal", clientId: "e-1" }, alice.token);
    await arrived;
    await barrier(c);
    expect(seenC).toEqual([]);
    expect(c.connected).toBe(true);
    const again = await emitAck(c, "session:join", { sessionId });
    expect(again.error.code).toBe("not_found");
  });

  it("shares presence and typing, and turns typing off when the typist disconnects", async () => {
    const sessionId = await newSession("Presence", [[bob, "editor"]]);
    const a = await connect(alice);
    await emitAck(a, "session:join", { sessionId, presence: "full" });
    const bobArrives = once(a, "presence", (e) => e.users.length === 2);
    const b = await connect(bob);
    const joined = await emitAck(b, "session:join", { sessionId });
    expect(joined.presence.map((u: { id: string }) => u.id).sort()).toEqual(
      [alice.user.id, bob.user.id].sort(),
    );
    expect((await bobArrives).users.map((u) => u.username).sort()).toEqual(["alice", "bob"]);
    expect(
      (await api.get(`/chat/${sessionId}/members`, alice.token)).body.members.every(
        (m: { online: boolean }) => m.online,
      ),
    ).toBe(true);

    const typingOn = once(a, "typing", (e) => e.typing);
    b.emit("typing", { sessionId, typing: true });
    expect(await typingOn).toEqual({ sessionId, userId: bob.user.id, typing: true });

    const typingOff = once(a, "typing", (e) => !e.typing);
    const bobLeaves = once(a, "presence", (e) => e.users.length === 1);
    b.close();
    expect(await typingOff).toEqual({ sessionId, userId: bob.user.id, typing: false });
    expect((await bobLeaves).users.map((u) => u.id)).toEqual([alice.user.id]);
  });

  // Five seconds of waiting: once is enough.
  it.runIf(kind === "postgres")(
    "lets a typing indicator expire after about five seconds without a refresh",
    async () => {
      const sessionId = await newSession("Typing", [[bob, "editor"]]);
      const a = await connect(alice);
      const b = await connect(bob);
      await emitAck(a, "session:join", { sessionId });
      await emitAck(b, "session:join", { sessionId });
      const on = once(a, "typing", (e) => e.typing);
      b.emit("typing", { sessionId, typing: true });
      await on;
      const started = Date.now();
      await once(a, "typing", (e) => !e.typing, 8000);
      expect(Date.now() - started).toBeGreaterThan(4000);
    },
    15_000,
  );

  it("works over long-polling too (the fallback transport)", async () => {
    const sessionId = await newSession("Polling", [[bob, "editor"]]);
    const polling = await connectClient(node.url, bob.token, { transports: ["polling"] });
    open.push(polling);
    const joined = await emitAck(polling, "session:join", { sessionId });
    expect(joined.ok).toBe(true);
    const got = once(polling, "message:new", (e) => e.message.content === "to a polling client");
    await api.post(
      "/chat/",
      { sessionId, content: "to a polling client", clientId: "p-1" },
      alice.token,
    );
    await got;
  });

  it("exposes socket metrics: connections, rooms, events in and out by name, ack latency", async () => {
    const sessionId = await newSession("Metrics");
    const a = await connect(alice);
    await emitAck(a, "session:join", { sessionId });
    await emitAck(a, "message:send", { sessionId, content: "counted", clientId: "mx-1" });
    const text = await (await fetch(`${node.url}/metrics`)).text();
    const value = (line: RegExp) => Number(text.match(line)?.[1] ?? Number.NaN);
    expect(value(/^engunity_socket_connections (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^engunity_socket_session_rooms (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(
      value(/^engunity_socket_events_in_total\{event="message:send"\} (\d+)/m),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(/^engunity_socket_events_out_total\{event="message:new"\} (\d+)/m),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(
        /^engunity_socket_ack_duration_seconds_count\{event="session:join",outcome="ok"\} (\d+)/m,
      ),
    ).toBeGreaterThanOrEqual(1);
  });

  it("does not pass on typing from a socket that has not joined the room", async () => {
    const sessionId = await newSession("Typing2", [[bob, "editor"]]);
    const a = await connect(alice);
    const b = await connect(bob);
    await emitAck(a, "session:join", { sessionId });
    const seen = collect(a, "typing");
    b.emit("typing", { sessionId, typing: true });
    await barrier(b);
    await barrier(a);
    expect(seen).toEqual([]);
  });
});
