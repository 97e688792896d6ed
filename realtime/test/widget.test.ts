import { signWidgetToken } from "@engunity/core";
import jwt from "jsonwebtoken";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { uploadFile } from "../../test/support/documents";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";
import {
  type ClientSocket,
  connectClient,
  connectError,
  emitAck,
  once,
  waitFor,
} from "../../test/support/sockets";
import type { RealtimeNode } from "../src";

type Account = { user: { id: string; username: string }; token: string };
const HOST = "https://shop.example.test";

/**
 * The widget's server side: keys, the server-to-server token exchange, what a widget
 * token may and may not do, origins, revocation across nodes, and the per-key caps.
 * Embedded (SQLite, one node) and scaled (Postgres + Redis, two nodes: the key is
 * revoked on one while the widget is connected to the other).
 */
describe.each<[DbKind, boolean]>([
  ["sqlite", false],
  ["postgres", true],
])("widget on %s", (kind, scaled) => {
  let stack: TestStack;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  let api: ApiClient;
  let admin: Account;
  let owner: Account;
  let stranger: Account;
  const open: ClientSocket[] = [];

  beforeAll(async () => {
    stack = await createTestStack(kind, { redis: scaled });
    nodeA = await stack.startNode();
    nodeB = scaled ? await stack.startNode() : nodeA;
    api = apiClient(nodeA.url);
    // The first account of a fresh install is its admin; the owner here is not one.
    admin = await api.register(`wa${kind}`);
    owner = await api.register(`wo${kind}`);
    stranger = await api.register(`ws${kind}`);
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const createKey = async (body: Record<string, unknown> = {}, token = owner.token) => {
    const res = await api.post(
      "/widget/keys",
      { teamName: "Acme", allowedOrigins: [HOST], ...body },
      token,
    );
    expect(res.status, res.text).toBe(201);
    return res.body as {
      key: string;
      widgetKey: { id: string; sessionId: string | null; template: { documents: string[] } | null };
    };
  };
  const exchange = (key: string, body: unknown, headers: Record<string, string> = {}) =>
    api.request("POST", "/widget/tokens", { body, headers: { "x-widget-key": key, ...headers } });
  const visitorToken = async (key: string, id = "v-1", name = "Vera") => {
    const res = await exchange(key, { visitor: { id, name }, pageUrl: `${HOST}/pricing` });
    expect(res.status, res.text).toBe(201);
    return res.body as { token: string; sessionId: string; expiresAt: string };
  };
  const connect = async (token: string, origin?: string, node = nodeB) => {
    const socket = await connectClient(node.url, token, {
      headers: origin ? { origin } : undefined,
    });
    open.push(socket);
    return socket;
  };

  it("creates keys bound to exact origins and stores only a hash of the secret", async () => {
    const { key, widgetKey } = await createKey();
    expect(key).toMatch(/^ewk_[0-9a-f]{32}_/);
    const row = await nodeA.ctx.db.models.WidgetKey.findByPk(widgetKey.id);
    expect(row?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row?.toJSON())).not.toContain(key.slice(37));
    expect(JSON.stringify(widgetKey)).not.toContain(key.slice(37));

    for (const origins of [["https://*.example.test"], ["https://a.test/path"], ["*"], []]) {
      const bad = await api.post(
        "/widget/keys",
        { teamName: "Acme", allowedOrigins: origins },
        owner.token,
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe("validation_failed");
    }
    // A session that is not yours cannot be bound.
    const theirs = (await api.post("/chat/sessions", { title: "theirs" }, stranger.token)).body.id;
    const refused = await api.post(
      "/widget/keys",
      { teamName: "Acme", allowedOrigins: [HOST], sessionId: theirs },
      owner.token,
    );
    expect(refused.status).toBe(404);

    const listed = await api.get("/widget/keys", owner.token);
    expect(listed.body.keys.map((k: { id: string }) => k.id)).toContain(widgetKey.id);
    expect((await api.get("/widget/keys", stranger.token)).body.keys).toEqual([]);
    expect((await api.post(`/widget/keys/${widgetKey.id}/revoke`, {}, stranger.token)).status).toBe(
      404,
    );
    // An admin may manage any key.
    const all = (await api.get("/widget/keys", admin.token)).body.keys;
    expect(all.map((k: { id: string }) => k.id)).toContain(widgetKey.id);
    // …and sees whose each one is, so they do not revoke a colleague's by mistake.
    const theirsListed = all.find((k: { id: string }) => k.id === widgetKey.id);
    expect(theirsListed.createdBy).toEqual({ id: owner.user.id, username: owner.user.username });
  });

  it("exchanges the key server to server only, for one visitor in one session", async () => {
    const { key, widgetKey } = await createKey();
    expect((await exchange("ewk_nope", { visitor: { id: "x" } })).status).toBe(401);
    const fromPage = await exchange(key, { visitor: { id: "x" } }, { origin: HOST });
    expect(fromPage.status).toBe(403);
    const anon = await exchange(key, {});
    expect(anon.status).toBe(403);

    const first = await visitorToken(key);
    const again = await visitorToken(key);
    expect(again.sessionId).toBe(first.sessionId);
    const other = await visitorToken(key, "v-2", "Otto");
    expect(other.sessionId).not.toBe(first.sessionId);
    // Asking for someone else's session is asking for a session that does not exist.
    const stolen = await exchange(key, { sessionId: other.sessionId, visitor: { id: "v-1" } });
    expect(stolen.status).toBe(404);
    // The page shown to the team is a web address, never a script or data URL.
    for (const pageUrl of ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd"]) {
      const bad = await exchange(key, { visitor: { id: "v-3" }, pageUrl });
      expect(bad.status, pageUrl).toBe(400);
      expect(bad.body.error.code).toBe("validation_failed");
    }

    // The visitor is a real member (editor) with the team's "visitor" badge.
    const members = await api.get(`/chat/${first.sessionId}/members`, owner.token);
    const vera = members.body.members.find((m: { role: string }) => m.role === "editor");
    expect(vera.user.fullName).toBe("Vera");
    expect(vera.visitor).toEqual({ keyId: widgetKey.id, pageUrl: `${HOST}/pricing` });

    const groups = (await api.get("/widget/sessions", owner.token)).body.groups;
    const group = groups.find((g: { key: { id: string } }) => g.key.id === widgetKey.id);
    expect(group.sessions.map((s: { visitor: { name: string } }) => s.visitor.name).sort()).toEqual(
      ["Otto", "Vera"],
    );

    const rotated = await api.post(`/widget/keys/${widgetKey.id}/rotate`, {}, owner.token);
    expect((await exchange(key, { visitor: { id: "v-1" } })).status).toBe(401);
    expect((await exchange(rotated.body.key, { visitor: { id: "v-1" } })).status).toBe(201);

    const anonKey = await createKey({ allowAnonymous: true });
    const a1 = await exchange(anonKey.key, {});
    expect(a1.status).toBe(201);
  });

  it("a widget token does nothing but chat in its session", async () => {
    const { key } = await createKey();
    const { token, sessionId } = await visitorToken(key);
    for (const [method, path] of [
      ["GET", "/chat/"],
      ["GET", `/chat/${sessionId}`],
      ["GET", "/auth/me"],
      ["POST", "/chat/sessions"],
      ["GET", "/widget/keys"],
      ["POST", `/chat/${sessionId}/yjs-ticket`],
      ["GET", "/search?q=x"],
    ] as const) {
      const res = await api.request(method, path, {
        token,
        body: method === "POST" ? {} : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
    }
    const elsewhere = (await api.post("/chat/sessions", { title: "private" }, owner.token)).body.id;
    const socket = await connect(token);
    const joined = await emitAck(socket, "session:join", { sessionId });
    expect(joined.ok).toBe(true);
    for (const [event, payload] of [
      ["session:join", { sessionId: elsewhere }],
      ["message:send", { sessionId: elsewhere, content: "hi", clientId: "c1" }],
      ["ai:stop", { sessionId: elsewhere, messageId: elsewhere }],
      ["ai:resume", { sessionId: elsewhere, messageId: elsewhere, afterSeq: 0 }],
    ] as const) {
      const ack = await emitAck(socket, event, payload);
      expect(ack.error?.code, event).toBe("not_found");
    }
    // Revising answers would ask the AI around the key's caps and an AI-off switch.
    for (const event of ["ai:regenerate", "ai:continue"] as const) {
      const ack = await emitAck(socket, event, { sessionId, messageId: sessionId });
      expect(ack.error?.code, event).toBe("forbidden");
    }
    // Nor can it list the team (members) or who else is here, even in its own session.
    for (const event of ["session:members", "session:presence"] as const) {
      const ack = await emitAck(socket, event, { sessionId, offset: 0, limit: 50 });
      expect(ack.error?.code, event).toBe("forbidden");
    }
  });

  it("a visitor receives no internal metadata, emails or other visitors' pages", async () => {
    // A session key: two visitors share the team's session.
    const session = (await api.post("/chat/sessions", { title: "support" }, owner.token)).body;
    await api.patch(`/chat/${session.id}`, { settings: { aiMode: "every" } }, owner.token);
    const { key } = await createKey({ sessionId: session.id, allowAnonymous: true });
    await visitorToken(key, "v-other", "Otto");
    await exchange(key, { visitor: { id: "v-mail", name: "Mia", email: "mia@host.test" } });
    const { token, sessionId } = await visitorToken(key);
    expect(sessionId).toBe(session.id);
    const team = await connect(owner.token, undefined, nodeA);
    const visitor = await connect(token, HOST);
    expect((await emitAck(team, "session:join", { sessionId })).ok).toBe(true);
    const joined = await emitAck(visitor, "session:join", { sessionId });
    expect(joined.ok).toBe(true);
    const teamStart = once(team, "ai:start");
    const visitorStart = once(visitor, "ai:start");
    const teamDone = once(team, "ai:done", () => true, 15_000);
    const visitorDone = once(visitor, "ai:done", () => true, 15_000);
    const sent = await emitAck(visitor, "message:send", {
      sessionId,
      content: "what does it cost?",
      clientId: "meta-1",
      ai: true,
    });
    expect(sent.assistantMessageId, JSON.stringify(sent)).toBeTruthy();
    // The team sees how the answer was routed; the visitor only the answer.
    expect((await teamStart).provider).not.toBe("");
    expect(await visitorStart).toMatchObject({ provider: "", model: "" });
    const forTeam = (await teamDone).message.metadata;
    expect(forTeam.attempts?.length).toBeGreaterThan(0);
    expect(forTeam.provider).toBeTruthy();
    const forVisitor = (await visitorDone).message.metadata;
    for (const internal of ["attempts", "provider", "model", "usage", "ttftMs", "durationMs"]) {
      expect(forVisitor, internal).not.toHaveProperty(internal);
    }
    // History on a rejoin and the member list: the same, and no one's email or page.
    const again = await emitAck(visitor, "session:join", { sessionId });
    const answer = again.messages.find((m: { role: string }) => m.role === "assistant");
    expect(answer.metadata).not.toHaveProperty("attempts");
    const seen = JSON.stringify(again);
    expect(seen).not.toContain("mia@host.test");
    expect(seen).not.toContain("/pricing");
    expect(seen).toContain("Otto");
    // The team still sees where its visitors are.
    expect(JSON.stringify(await emitAck(team, "session:join", { sessionId }))).toContain(
      `${HOST}/pricing`,
    );
  });

  it("a key shares documents: its visitors' answers cite them and visitors open them", async () => {
    const kb = (await api.post("/chat/sessions", { title: "handbook" }, owner.token)).body.id;
    const text = "Returns are accepted within 45 days of delivery with the original receipt.\n";
    const up = await uploadFile(nodeA.url, owner.token, kb, "returns.md", text, "text/markdown");
    expect(up.status, JSON.stringify(up.body)).toBe(202);
    const other = await uploadFile(nodeA.url, owner.token, kb, "internal.md", "Margins: 61%.\n");
    const docs = () => api.get(`/chat/${kb}/documents`, owner.token);
    await waitFor(
      async () =>
        (await docs()).body.documents.every((d: { status: string }) => d.status === "ready"),
      "both documents indexed",
      20_000,
    );
    // Only documents the key's creator can read may be shared.
    const theirs = (await api.post("/chat/sessions", { title: "x" }, stranger.token)).body.id;
    const foreign = await uploadFile(nodeA.url, stranger.token, theirs, "s.md", "secret\n");
    const refused = await api.post(
      "/widget/keys",
      { allowedOrigins: [HOST], template: { documents: [foreign.body.id] } },
      owner.token,
    );
    expect(refused.status).toBe(404);

    const { key, widgetKey } = await createKey({
      template: { title: "Help", aiMode: "every", documents: [up.body.id] },
    });
    expect(widgetKey.template?.documents).toEqual([up.body.id]);
    const { token, sessionId } = await visitorToken(key, "v-docs");
    const socket = await connect(token, HOST, nodeA);
    expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);
    const done = once(socket, "ai:done", () => true, 20_000);
    await emitAck(socket, "message:send", {
      sessionId,
      content: "Within how many days are returns accepted?",
      clientId: "docs-1",
    });
    const citations = (await done).message.metadata.citations ?? [];
    expect(citations.map((c) => c.documentId)).toContain(up.body.id);
    expect(citations.map((c) => c.documentId)).not.toContain(other.body.id);

    // The visitor opens the cited document with their widget token, and nothing else.
    const open = (id: string, bearer = token) =>
      fetch(`${nodeA.url}/api/v1/widget/documents/${id}/download`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
    const file = await open(up.body.id);
    expect(file.status).toBe(200);
    expect(await file.text()).toBe(text);
    expect(file.headers.get("content-disposition")).toContain("returns.md");
    expect((await open(other.body.id)).status).toBe(404);
    expect((await open(foreign.body.id)).status).toBe(404);
    expect((await open("nope")).status).toBe(404);
    expect((await open(up.body.id, owner.token)).status).toBe(401);
    // The app's own route still refuses a widget token.
    const direct = await api.request("GET", `/documents/${up.body.id}/download`, { token });
    expect(direct.status).toBe(403);

    // Publishing is the session owner's call: an editor (or viewer) may read a document
    // but not share it through a key of their own.
    const pub = await api.register(`wp${kind}`);
    await api.post(
      `/chat/${kb}/members`,
      { username: pub.user.username, role: "editor" },
      owner.token,
    );
    const byEditor = await api.post(
      "/widget/keys",
      { allowedOrigins: [HOST], template: { documents: [up.body.id] } },
      pub.token,
    );
    expect(byEditor.status).toBe(403);
    expect(byEditor.body.error.message).toMatch(/may not share this session's documents/);
    // Checked at every use, not only at creation: a creator who is deactivated stops
    // publishing at once (the download, and with it retrieval, no longer sees it).
    const own = (await api.post("/chat/sessions", { title: "pub" }, pub.token)).body.id;
    const brochure = await uploadFile(nodeA.url, pub.token, own, "brochure.md", "Open daily.\n");
    const pubKey = await createKey(
      { template: { title: "Pub", aiMode: "every", documents: [brochure.body.id] } },
      pub.token,
    );
    const visitor = await visitorToken(pubKey.key, "v-pub");
    expect((await open(brochure.body.id, visitor.token)).status).toBe(200);
    await nodeA.ctx.db.models.User.update({ isActive: false }, { where: { id: pub.user.id } });
    expect((await open(brochure.body.id, visitor.token)).status).toBe(404);
  });

  it("accepts a key's origins for its widget tokens only", async () => {
    const { key } = await createKey();
    const { token } = await visitorToken(key);
    await connect(token, HOST);
    const evil = await connectError(nodeB.url, token, { headers: { origin: "https://evil.test" } });
    // Refused at the upgrade, before the token is even read.
    expect(evil.message).toBe("websocket error");
    // The key's origin does not become trusted for user tokens.
    const user = await connectError(nodeB.url, owner.token, { headers: { origin: HOST } });
    expect(user.data?.error?.code).toBe("forbidden");
  });

  it("revoking a key cuts its live widgets off within a second, on every node", async () => {
    const { key, widgetKey } = await createKey();
    const { token, sessionId } = await visitorToken(key);
    const socket = await connect(token, HOST, nodeB);
    expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);
    const cut = once(socket, "disconnect", () => true, 1000);
    const started = Date.now();
    const res = await api.post(`/widget/keys/${widgetKey.id}/revoke`, {}, owner.token);
    expect(res.status).toBe(200);
    expect(await cut).toBe("io server disconnect");
    expect(Date.now() - started).toBeLessThan(1000);
    const again = await connectError(nodeB.url, token);
    expect(again.data?.error?.code).toBe("unauthorized");
    expect((await exchange(key, { visitor: { id: "v-1" } })).status).toBe(401);
  });

  it("cuts each widget socket when its own token expires, and not before", async () => {
    const { key } = await createKey();
    const { token } = await visitorToken(key);
    const claims = jwt.decode(token) as { sub: string; sid: string; kid: string };
    const grant = { userId: claims.sub, sessionId: claims.sid, keyId: claims.kid };
    const secret = nodeB.ctx.config.SECRET_KEY;
    // Two sockets on one node, the later-expiring one connected first: the node's one
    // expiry timer must cut each at its own time.
    const later = signWidgetToken(secret, grant, 4 / 60);
    const sooner = signWidgetToken(secret, grant, 2 / 60);
    const lasting = await connect(token, HOST);
    const cuts = [later, sooner].map(async ({ token: t, expiresAt }) => {
      const socket = await connect(t, HOST);
      const reason = await once(socket, "disconnect", () => true, 8000);
      return { reason, lateMs: Date.now() - expiresAt.getTime() };
    });
    for (const { reason, lateMs } of await Promise.all(cuts)) {
      expect(reason).toBe("io server disconnect");
      expect(lateMs).toBeGreaterThanOrEqual(0);
      expect(lateMs).toBeLessThan(1000);
    }
    expect(lasting.connected).toBe(true);
    expect((await connectError(nodeB.url, sooner.token)).data?.error?.code).toBe("unauthorized");
  });

  it("per-key caps answer rate_limited", async () => {
    const { key } = await createKey({
      caps: { sessionsPerDay: 1, messagesPerVisitorPerDay: 2, aiTokensPerDay: 0 },
    });
    const { token, sessionId } = await visitorToken(key);
    const second = await exchange(key, { visitor: { id: "v-2", name: "Otto" } });
    expect(second.status).toBe(429);
    expect(second.body.error.code).toBe("rate_limited");
    expect(second.headers.get("retry-after")).toMatch(/^\d+$/);
    // The visitor already has a session: their next token needs no new one.
    expect((await exchange(key, { visitor: { id: "v-1" } })).status).toBe(201);

    // An AI-off session: a human took over, the visitor cannot force the AI back on.
    await api.patch(`/chat/${sessionId}`, { settings: { aiMode: "off" } }, owner.token);
    const socket = await connect(token);
    await emitAck(socket, "session:join", { sessionId });
    for (const n of [1, 2]) {
      const ack = await emitAck(socket, "message:send", {
        sessionId,
        content: `question ${n}`,
        clientId: `cap-${n}`,
        ai: true,
      });
      expect(ack.ok, JSON.stringify(ack)).toBe(true);
      expect(ack.assistantMessageId).toBeUndefined();
    }
    const third = await emitAck(socket, "message:send", {
      sessionId,
      content: "question 3",
      clientId: "cap-3",
    });
    expect(third.error?.code).toBe("rate_limited");
  });

  it("the AI-token cap refuses asking the AI once the key's tokens are spent", async () => {
    const { key, widgetKey } = await createKey({
      caps: { sessionsPerDay: 0, messagesPerVisitorPerDay: 0, aiTokensPerDay: 10 },
    });
    const { token, sessionId } = await visitorToken(key);
    await nodeA.ctx.ai.usage.add(`widget:ai:${widgetKey.id}`, 10);
    const socket = await connect(token, undefined, nodeA);
    await emitAck(socket, "session:join", { sessionId });
    const ack = await emitAck(socket, "message:send", {
      sessionId,
      content: "hello?",
      clientId: "t1",
    });
    expect(ack.error?.code).toBe("rate_limited");
  });
});
