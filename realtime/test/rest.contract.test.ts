import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";

/** The REST contract, run against SQLite (embedded) and Postgres (scaled) alike. */
describe.each<DbKind>(["sqlite", "postgres"])("REST contract on %s", (kind) => {
  let stack: TestStack;
  let api: ApiClient;
  let alice: { user: { id: string }; token: string };
  let bob: { user: { id: string }; token: string };
  let carol: { user: { id: string }; token: string };
  let sessionId: string;

  beforeAll(async () => {
    stack = await createTestStack(kind);
    const node = await stack.startNode();
    api = apiClient(node.url);
    alice = await api.register("alice");
    bob = await api.register("bob");
    carol = await api.register("carol");
  });
  afterAll(() => stack?.close());

  it("logs in by username or email and returns the user from /auth/me", async () => {
    const byName = await api.post("/auth/login", {
      login: "ALICE",
      password: "correct horse battery",
    });
    expect(byName.status).toBe(200);
    const byEmail = await api.post("/auth/login", {
      login: "alice@example.test",
      password: "correct horse battery",
    });
    expect(byEmail.status).toBe(200);
    const me = await api.get("/auth/me", byEmail.body.accessToken);
    expect(me.body).toMatchObject({
      id: alice.user.id,
      username: "alice",
      fullName: "alice Tester",
    });
    const wrong = await api.post("/auth/login", { login: "alice", password: "nope nope nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("unauthorized");
  });

  it("refuses a second account with the same username or email", async () => {
    const dupName = await api.post("/auth/register", {
      username: "Alice",
      email: "other@example.test",
      password: "correct horse battery",
    });
    expect(dupName.status).toBe(409);
    const dupEmail = await api.post("/auth/register", {
      username: "alice2",
      email: "ALICE@example.test",
      password: "correct horse battery",
    });
    expect(dupEmail.status).toBe(409);
    expect(dupEmail.body.error.code).toBe("conflict");
  });

  it("creates, lists and renames a session", async () => {
    const created = await api.post("/chat/sessions", { title: "Planning" }, alice.token);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      title: "Planning",
      role: "owner",
      messageCount: 0,
      settings: { aiMode: "every" },
    });
    sessionId = created.body.id;
    const older = await api.post("/chat/sessions", { title: "Older" }, alice.token);
    // A message makes "Planning" the newest activity.
    // ai: false — this suite is about messages; AI answers have their own suites.
    await api.post(
      "/chat/",
      { sessionId, content: "hello team", clientId: "c-1", ai: false },
      alice.token,
    );
    const list = await api.get("/chat/", alice.token);
    expect(list.body.sessions.map((s: { id: string }) => s.id).slice(0, 2)).toEqual([
      sessionId,
      older.body.id,
    ]);
    expect(list.body.sessions[0]).toMatchObject({ messageCount: 1, role: "owner" });
    const renamed = await api.patch(`/chat/${sessionId}`, { title: "Q3 planning" }, alice.token);
    expect(renamed.status).toBe(200);
    expect(renamed.body.title).toBe("Q3 planning");
  });

  it("shares with a member as editor, who then sees it with that role", async () => {
    const added = await api.post(
      `/chat/${sessionId}/members`,
      { username: "bob", role: "editor" },
      alice.token,
    );
    expect(added.status).toBe(201);
    expect(added.body.member).toMatchObject({ role: "editor", user: { username: "bob" } });
    const bobList = await api.get("/chat/", bob.token);
    expect(bobList.body.sessions).toHaveLength(1);
    expect(bobList.body.sessions[0]).toMatchObject({
      id: sessionId,
      role: "editor",
      memberCount: 2,
    });
    const sent = await api.post(
      "/chat/",
      { sessionId, content: "bob here", clientId: "b-1" },
      bob.token,
    );
    expect(sent.status).toBe(200);
    expect(sent.body.userMessage).toMatchObject({
      content: "bob here",
      author: { username: "bob" },
    });
  });

  it("lets a viewer read but not rename or send (403), and a stranger sees 404", async () => {
    const invite = await api.post(
      `/chat/${sessionId}/invites`,
      { role: "viewer", expiresInMinutes: 5 },
      alice.token,
    );
    expect(invite.status).toBe(201);
    expect(invite.body.url).toMatch(new RegExp(`/invite/${invite.body.token}$`));
    // A forged Origin is not reflected into the link a victim would be sent.
    const forged = await api.request("POST", `/chat/${sessionId}/invites`, {
      token: alice.token,
      body: { role: "viewer" },
      headers: { origin: "https://evil.example" },
    });
    expect(forged.body.url.startsWith("https://evil.example")).toBe(false);
    expect(new URL(forged.body.url).host).toBe(new URL(stack.nodes[0]!.url).host);
    const accepted = await api.post(`/invites/${invite.body.token}/accept`, undefined, carol.token);
    expect(accepted.status).toBe(200);
    expect(accepted.body.session).toMatchObject({ id: sessionId, role: "viewer" });

    const read = await api.get(`/chat/${sessionId}`, carol.token);
    expect(read.status).toBe(200);
    const rename = await api.patch(`/chat/${sessionId}`, { title: "hijacked" }, carol.token);
    expect(rename.status).toBe(403);
    expect(rename.body.error.code).toBe("forbidden");
    const send = await api.post("/chat/", { sessionId, content: "viewer talking" }, carol.token);
    expect(send.status).toBe(403);

    const stranger = await api.register(`dave${kind}`);
    for (const res of [
      await api.get(`/chat/${sessionId}`, stranger.token),
      await api.patch(`/chat/${sessionId}`, { title: "x" }, stranger.token),
      await api.del(`/chat/${sessionId}`, stranger.token),
      await api.get(`/chat/${sessionId}/export?format=json`, stranger.token),
      await api.post("/chat/", { sessionId, content: "hi" }, stranger.token),
      await api.get(`/chat/${sessionId}/members`, stranger.token),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const search = await api.get("/search?q=hello", stranger.token);
    expect(search.body.results).toEqual([]);
    const after = await api.get(`/chat/${sessionId}`, alice.token);
    expect(after.body.session.title).toBe("Q3 planning");
    expect(after.body.messages.map((m: { content: string }) => m.content)).toEqual([
      "hello team",
      "bob here",
    ]);
  });

  it("stores one message for a repeated clientId", async () => {
    const first = await api.post(
      "/chat/",
      { sessionId, content: "once", clientId: "dup-1" },
      alice.token,
    );
    const second = await api.post(
      "/chat/",
      { sessionId, content: "once", clientId: "dup-1" },
      alice.token,
    );
    expect(second.body.userMessage.id).toBe(first.body.userMessage.id);
    const history = await api.get(`/chat/${sessionId}`, alice.token);
    expect(
      history.body.messages.filter((m: { content: string }) => m.content === "once"),
    ).toHaveLength(1);
  });

  it("pages history backwards with before/limit", async () => {
    const page = await api.get(`/chat/${sessionId}?limit=2`, alice.token);
    expect(page.body.messages.map((m: { content: string }) => m.content)).toEqual([
      "bob here",
      "once",
    ]);
    expect(page.body.hasMore).toBe(true);
    const older = await api.get(
      `/chat/${sessionId}?limit=2&before=${page.body.messages[0].id}`,
      alice.token,
    );
    expect(older.body.messages.map((m: { content: string }) => m.content)).toEqual(["hello team"]);
    expect(older.body.hasMore).toBe(false);
  });

  it("exports Markdown and JSON that carry every message", async () => {
    const history = await api.get(`/chat/${sessionId}`, alice.token);
    const json = await api.get(`/chat/${sessionId}/export?format=json`, carol.token);
    expect(json.status).toBe(200);
    expect(json.headers.get("content-disposition")).toMatch(/^attachment; filename=".+\.json"$/);
    expect(json.body.messages).toEqual(history.body.messages);
    const md = await api.get(`/chat/${sessionId}/export?format=md`, alice.token);
    expect(md.headers.get("content-type")).toMatch(/text\/markdown/);
    expect(md.text.startsWith("# Q3 planning")).toBe(true);
    for (const m of history.body.messages) expect(md.text).toContain(m.content);
  });

  it("searches messages only in the caller's sessions", async () => {
    const hits = await api.get("/search?q=BOB%20HERE", alice.token);
    expect(hits.body.results).toHaveLength(1);
    expect(hits.body.results[0]).toMatchObject({ sessionId, sessionTitle: "Q3 planning" });
    const literal = await api.get("/search?q=%25", alice.token);
    expect(literal.body.results).toEqual([]);
  });

  it("lets a member leave, but not the owner", async () => {
    const leave = await api.del(`/chat/${sessionId}/members/${carol.user.id}`, carol.token);
    expect(leave.status).toBe(204);
    expect((await api.get(`/chat/${sessionId}`, carol.token)).status).toBe(404);
    const ownerLeave = await api.del(`/chat/${sessionId}/members/${alice.user.id}`, alice.token);
    expect(ownerLeave.status).toBe(403);
  });

  it("deletes a session with everything in it (owner only)", async () => {
    expect((await api.del(`/chat/${sessionId}`, bob.token)).status).toBe(403);
    const del = await api.del(`/chat/${sessionId}`, alice.token);
    expect(del.status).toBe(204);
    expect((await api.get(`/chat/${sessionId}`, alice.token)).status).toBe(404);
    expect((await api.get("/chat/", bob.token)).body.sessions).toEqual([]);
    const { models } = stack.nodes[0]!.ctx.db;
    expect(await models.ChatMessage.count({ where: { sessionId } })).toBe(0);
    expect(await models.SessionMember.count({ where: { sessionId } })).toBe(0);
    expect(await models.Invite.count({ where: { sessionId } })).toBe(0);
  });
});
