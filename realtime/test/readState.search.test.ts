import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

/**
 * Read state kept on the server (unread counts equal on every device, forward only,
 * mark all read), the user channel that carries it live, and full-text search with
 * snippets — on SQLite (FTS5) and Postgres (tsvector) alike.
 */
describe.each<DbKind>(["sqlite", "postgres"])("read state and search on %s", (kind) => {
  let stack: TestStack;
  let api: ApiClient;
  let url: string;
  let alice: { user: { id: string }; token: string };
  let bob: { user: { id: string }; token: string };
  let sessionId: string;
  const ids: string[] = [];
  let bobSocket: ClientSocket;

  const send = async (token: string, content: string) => {
    const res = await api.post("/chat/", { sessionId, content, ai: false }, token);
    expect(res.status).toBe(200);
    return res.body.userMessage.id as string;
  };
  const listing = async (token: string) =>
    ((await api.get("/chat/", token)).body.sessions as any[]).find((s) => s.id === sessionId);

  beforeAll(async () => {
    stack = await createTestStack(kind, { worker: false });
    const node = await stack.startNode();
    url = node.url;
    api = apiClient(url);
    alice = await api.register("alice");
    bob = await api.register("bob");
    const created = await api.post("/chat/sessions", { title: "Sensors" }, alice.token);
    sessionId = created.body.id;
    const added = await api.post(
      `/chat/${sessionId}/members`,
      { username: "bob", role: "editor" },
      alice.token,
    );
    expect(added.status).toBeLessThan(300);
    bobSocket = await connectClient(url, bob.token);
  });
  afterAll(async () => {
    bobSocket?.close();
    await stack?.close();
  });

  it("tells a member's own room about activity in a session they have not joined", async () => {
    const activity = once(bobSocket, "session:activity", (p) => p.sessionId === sessionId);
    ids.push(await send(alice.token, "The w150 sensor reads 21.5 degrees in hall B"));
    const p = await activity;
    expect(p).toMatchObject({ sessionId, messageId: ids[0], authorId: alice.user.id });
    ids.push(await send(alice.token, "Replaced the w1500 unit, calibration pending"));
    ids.push(await send(alice.token, "Nothing to report from the roof today"));
  });

  it("counts unread per member on the server, the same on every device", async () => {
    const b = await listing(bob.token);
    expect(b).toMatchObject({ unread: true, unreadCount: 3, lastReadMessageId: null });
    // Alice's own messages are never unread for her.
    expect(await listing(alice.token)).toMatchObject({ unreadCount: 0, unread: false });

    const read = once(bobSocket, "session:read", (p) => p.sessionId === sessionId);
    const marked = await api.post(`/chat/${sessionId}/read`, { messageId: ids[1] }, bob.token);
    expect(marked.body).toEqual({ sessionId, lastReadMessageId: ids[1], unreadCount: 1 });
    expect(await read).toEqual(marked.body);
    // A second device (a fresh login) sees the same count.
    const again = await api.post("/auth/login", {
      login: "bob",
      password: "correct horse battery",
    });
    expect(await listing(again.body.accessToken)).toMatchObject({
      unreadCount: 1,
      lastReadMessageId: ids[1],
    });
    // Read state only moves forward: an older message changes nothing.
    const older = await api.post(`/chat/${sessionId}/read`, { messageId: ids[0] }, bob.token);
    expect(older.body).toMatchObject({ lastReadMessageId: ids[1], unreadCount: 1 });
  });

  it("marks everything read, refuses a foreign message, and paging reads nothing", async () => {
    const page = await api.get(`/chat/${sessionId}?before=${ids[2]}`, bob.token);
    expect(page.status).toBe(200);
    expect((await listing(bob.token)).unreadCount).toBe(1);
    const foreign = await api.post(
      `/chat/${sessionId}/read`,
      { messageId: "00000000-0000-4000-8000-000000000000" },
      bob.token,
    );
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("not_found");
    const bad = await api.post(`/chat/${sessionId}/read`, { messageId: "nope" }, bob.token);
    expect(bad.status).toBe(400);
    const all = await api.post("/chat/read-all", {}, bob.token);
    expect(all.body.sessions).toEqual([{ sessionId, lastReadMessageId: ids[2], unreadCount: 0 }]);
    expect(await listing(bob.token)).toMatchObject({ unread: false, unreadCount: 0 });
  });

  it("finds words with a highlighted snippet, best match first", async () => {
    const res = await api.get("/search?q=w150", bob.token);
    expect(res.status).toBe(200);
    const hits = res.body.results as any[];
    expect(hits.map((h) => h.message.id)).toEqual([ids[0], ids[1]]);
    const [first] = hits;
    const [start, end] = first.highlights[0];
    expect(first.snippet.slice(start, end).toLowerCase()).toBe("w150");
    expect(first.snippet).toContain("sensor reads");
    expect(first).toMatchObject({ sessionId, sessionTitle: "Sensors" });
    // Every word must match; punctuation and operators are words or nothing.
    const both = await api.get(`/search?q=${encodeURIComponent("calibration W15")}`, bob.token);
    expect((both.body.results as any[]).map((h) => h.message.id)).toEqual([ids[1]]);
    const syntax = await api.get(`/search?q=${encodeURIComponent('" * OR NEAR(')}`, bob.token);
    expect(syntax.status).toBe(200);
  });

  it("searches inside one session, only for its members", async () => {
    const other = await api.post("/chat/sessions", { title: "Other" }, alice.token);
    await api.post(
      "/chat/",
      { sessionId: other.body.id, content: "w150 elsewhere", ai: false },
      alice.token,
    );
    const scoped = await api.get(`/search?q=w150&sessionId=${sessionId}`, alice.token);
    expect((scoped.body.results as any[]).every((h) => h.sessionId === sessionId)).toBe(true);
    expect(scoped.body.results).toHaveLength(2);
    const all = await api.get("/search?q=w150", alice.token);
    expect(all.body.results).toHaveLength(3);
    const foreign = await api.get(`/search?q=w150&sessionId=${other.body.id}`, bob.token);
    expect(foreign.status).toBe(404);
  });

  it("returns a window of history around a message", async () => {
    const res = await api.get(`/chat/${sessionId}?around=${ids[1]}&limit=2`, bob.token);
    expect(res.status).toBe(200);
    expect(res.body.messages.map((m: { id: string }) => m.id)).toEqual([ids[1], ids[2]]);
    expect(res.body).toMatchObject({ hasMore: true, hasNewer: false });
    const after = await api.get(`/chat/${sessionId}?after=${ids[0]}&limit=1`, bob.token);
    expect(after.body.messages.map((m: { id: string }) => m.id)).toEqual([ids[1]]);
    expect(after.body.hasNewer).toBe(true);
    const both = await api.get(`/chat/${sessionId}?after=${ids[0]}&before=${ids[2]}`, bob.token);
    expect(both.status).toBe(400);
  });

  it("adds a member's open sockets to the session's activity, and takes them out on removal", async () => {
    const carol = await api.register("carol");
    const socket = await connectClient(url, carol.token);
    try {
      await api.post(
        `/chat/${sessionId}/members`,
        { username: "carol", role: "viewer" },
        alice.token,
      );
      const activity = once(socket, "session:activity", (p) => p.sessionId === sessionId);
      const extra = await send(alice.token, "hello carol");
      expect((await activity).messageId).toBe(extra);
      await api.del(`/chat/${sessionId}/members/${carol.user.id}`, alice.token);
      const seen = collect(socket, "session:activity");
      await send(alice.token, "carol has gone");
      await barrier(socket);
      expect(seen).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it("tells a socket viewing the session by message:new alone, the member's other sockets by session:activity", async () => {
    const viewing = await connectClient(url, bob.token);
    try {
      await emitAck(viewing, "session:join", { sessionId });
      const activityElsewhere = once(
        bobSocket,
        "session:activity",
        (p) => p.sessionId === sessionId,
      );
      const arrived = once(viewing, "message:new", (p) => p.sessionId === sessionId);
      const seen = collect(viewing, "session:activity");
      const id = await send(alice.token, "Seen where it is viewed");
      expect((await arrived).message).toMatchObject({ id, author: { id: alice.user.id } });
      expect((await activityElsewhere).messageId).toBe(id);
      await barrier(viewing);
      expect(seen).toEqual([]);
    } finally {
      viewing.close();
    }
  });
});
