import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";
import {
  type ClientSocket,
  connectClient,
  connectError,
  emitAck,
  once,
} from "../../test/support/sockets";
import type { RealtimeNode } from "../src";
import { deactivateAccount } from "../src/commands/accountCommands";
import { connectClient as connectYjs, type TestClient } from "./yjsClients";

const PASSWORD = "correct horse battery";

async function login(api: ApiClient, username: string, device: string, password = PASSWORD) {
  const res = await api.request("POST", "/auth/login", {
    body: { login: username, password },
    headers: { "user-agent": device },
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  return res.body.accessToken as string;
}

/** Resolves with the close code once the provider's websocket closes. */
function yjsClosed(client: TestClient): Promise<number> {
  return new Promise((resolve) => {
    client.provider.once("connection-close", (event: CloseEvent | null) => {
      client.provider.shouldConnect = false;
      resolve(event?.code ?? 0);
    });
  });
}

/** Finding 3 on one node, both databases: sign-outs of every kind, and the list. */
describe.each<DbKind>(["sqlite", "postgres"])("login sessions on %s", (kind) => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;

  beforeAll(async () => {
    stack = await createTestStack(kind, { worker: false });
    node = await stack.startNode();
    api = apiClient(node.url);
  });
  afterAll(() => stack?.close());

  it("lists, signs out one, everywhere, and on a password change keeps only this device", async () => {
    await api.register("dana");
    const laptop = await login(api, "dana", "Laptop Firefox");
    const phone = await login(api, "dana", "Phone Safari");
    const listed = await api.get("/auth/sessions", laptop);
    expect(listed.status).toBe(200);
    const devices = listed.body.sessions.map((s: { device: string }) => s.device);
    expect(devices).toEqual(expect.arrayContaining(["Laptop Firefox", "Phone Safari"]));
    const current = listed.body.sessions.filter((s: { current: boolean }) => s.current);
    expect(current.map((s: { device: string }) => s.device)).toEqual(["Laptop Firefox"]);

    // Sign the phone out from the laptop's list.
    const phoneId = listed.body.sessions.find(
      (s: { device: string }) => s.device === "Phone Safari",
    ).id;
    expect((await api.del(`/auth/sessions/${phoneId}`, laptop)).status).toBe(204);
    expect((await api.get("/auth/me", phone)).status).toBe(401);
    expect((await api.get("/auth/me", laptop)).status).toBe(200);
    // Another user's login session id is just not found.
    const other = await api.register("erin");
    expect((await api.del(`/auth/sessions/${phoneId}`, other.token)).status).toBe(404);

    // Password change: wrong current password refused; a weak new one refused; then
    // every other device is signed out and this one stays.
    const tablet = await login(api, "dana", "Tablet");
    const wrong = await api.post(
      "/auth/password",
      { currentPassword: "not it at all", newPassword: "a brand new passphrase" },
      laptop,
    );
    expect(wrong.status).toBe(403);
    const weak = await api.post(
      "/auth/password",
      { currentPassword: PASSWORD, newPassword: "password12" },
      laptop,
    );
    expect(weak.status).toBe(400);
    const changed = await api.post(
      "/auth/password",
      { currentPassword: PASSWORD, newPassword: "a brand new passphrase" },
      laptop,
    );
    expect(changed.status).toBe(204);
    expect((await api.get("/auth/me", tablet)).status).toBe(401);
    expect((await api.get("/auth/me", laptop)).status).toBe(200);
    await login(api, "dana", "again", "a brand new passphrase");

    // Logout ends this token; logout-all ends the rest.
    const second = await login(api, "dana", "Second", "a brand new passphrase");
    expect((await api.post("/auth/logout", undefined, laptop)).status).toBe(204);
    expect((await api.get("/auth/me", laptop)).status).toBe(401);
    expect((await api.get("/auth/me", second)).status).toBe(200);
    expect((await api.post("/auth/logout-all", undefined, second)).status).toBe(204);
    expect((await api.get("/auth/me", second)).status).toBe(401);
  });

  it("deletes an account: owned sessions go, messages elsewhere stay anonymised", async () => {
    const owner = await api.register("olga");
    const leaver = await api.register("leo");
    const shared = (await api.post("/chat/sessions", { title: "Olga's" }, owner.token)).body.id;
    await api.post(`/chat/${shared}/members`, { username: "leo", role: "editor" }, owner.token);
    const sent = await api.post(
      "/chat/",
      { sessionId: shared, content: "hello from leo", ai: false },
      leaver.token,
    );
    expect(sent.status).toBe(200);
    const own = (await api.post("/chat/sessions", { title: "Leo's" }, leaver.token)).body.id;

    expect((await api.request("DELETE", "/auth/me", { token: leaver.token })).status).toBe(400);
    const wrong = await api.request("DELETE", "/auth/me", {
      token: leaver.token,
      body: { password: "wrong wrong wrong" },
    });
    expect(wrong.status).toBe(403);
    const gone = await api.request("DELETE", "/auth/me", {
      token: leaver.token,
      body: { password: PASSWORD },
    });
    expect(gone.status).toBe(204);
    expect((await api.get("/auth/me", leaver.token)).status).toBe(401);
    expect(await node.ctx.db.models.ChatSession.findByPk(own)).toBeNull();
    const history = await api.get(`/chat/${shared}`, owner.token);
    const msg = history.body.messages.find(
      (m: { content: string }) => m.content === "hello from leo",
    );
    expect(msg.author).toEqual({
      id: leaver.user.id,
      username: expect.stringMatching(/^deleted-/),
      fullName: "Deleted user",
    });
    expect(history.body.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([
      owner.user.id,
    ]);
    // Nobody can sign in as the tombstone, and the name is free again.
    const relog = await api.request("POST", "/auth/login", {
      body: { login: "leo", password: PASSWORD },
    });
    expect(relog.status).toBe(401);
    await api.register("leo");
  });
});

/**
 * Finding 3 across nodes: a sign-out on node A cuts the signed-out login's Socket.IO
 * and Yjs connections on node B within a second, and leaves other logins alone.
 */
describe("revocation across two nodes", () => {
  let stack: TestStack;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  let apiA: ApiClient;
  let apiB: ApiClient;
  const sockets: ClientSocket[] = [];
  const docs: TestClient[] = [];

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true, worker: false });
    nodeA = await stack.startNode();
    nodeB = await stack.startNode();
    apiA = apiClient(nodeA.url);
    apiB = apiClient(nodeB.url);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const d of docs) d.destroy();
    await stack?.close();
  });

  const socketOn = async (node: RealtimeNode, token: string) => {
    const socket = await connectClient(node.url, token);
    sockets.push(socket);
    return socket;
  };
  const docOn = async (node: RealtimeNode, sessionId: string, token: string) => {
    const client = await connectYjs(apiB, node.url, sessionId, token);
    docs.push(client);
    return client;
  };

  it("logout on A cuts that login's socket and Yjs doc on B within 1 s, not the others", async () => {
    await apiA.register("alice");
    const laptop = await login(apiA, "alice", "laptop");
    const phone = await login(apiA, "alice", "phone");
    const sessionId = (await apiA.post("/chat/sessions", { title: "Cut" }, laptop)).body.id;
    const laptopSocket = await socketOn(nodeB, laptop);
    const phoneSocket = await socketOn(nodeB, phone);
    const laptopDoc = await docOn(nodeB, sessionId, laptop);
    const phoneDoc = await docOn(nodeB, sessionId, phone);
    const socketCut = once(laptopSocket, "disconnect");
    const docCut = yjsClosed(laptopDoc);

    const started = Date.now();
    expect((await apiA.post("/auth/logout", undefined, laptop)).status).toBe(204);
    expect(await socketCut).toBe("io server disconnect");
    expect(await docCut).toBe(4401);
    expect(Date.now() - started).toBeLessThan(1000);

    // Node B's cache was dropped too: the token is dead there at once.
    expect((await apiB.get("/auth/me", laptop)).status).toBe(401);
    expect((await connectError(nodeB.url, laptop)).data?.error?.code).toBe("unauthorized");
    expect((await apiB.post(`/chat/${sessionId}/yjs-ticket`, undefined, laptop)).status).toBe(401);
    // The phone's login is untouched.
    expect((await emitAck(phoneSocket, "session:join", { sessionId })).ok).toBe(true);
    expect(phoneDoc.provider.wsconnected).toBe(true);

    // Logout-all from A: the phone goes too.
    const phoneCut = once(phoneSocket, "disconnect");
    const phoneDocCut = yjsClosed(phoneDoc);
    const t = Date.now();
    expect((await apiA.post("/auth/logout-all", undefined, phone)).status).toBe(204);
    await phoneCut;
    expect(await phoneDocCut).toBe(4401);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it("deactivation and account deletion on A cut every connection on B", async () => {
    const bob = await apiA.register("bob");
    const carol = await apiA.register("carol");
    const sessionId = (await apiA.post("/chat/sessions", { title: "Bob's" }, bob.token)).body.id;
    const bobSocket = await socketOn(nodeB, bob.token);
    const bobDoc = await docOn(nodeB, sessionId, bob.token);
    const cut = once(bobSocket, "disconnect");
    const docCut = yjsClosed(bobDoc);
    const t = Date.now();
    expect(await deactivateAccount(nodeA.ctx, bob.user.id)).toBe(true);
    await cut;
    expect(await docCut).toBe(4401);
    expect(Date.now() - t).toBeLessThan(1000);
    expect((await apiB.get("/auth/me", bob.token)).status).toBe(401);

    const carolSocket = await socketOn(nodeB, carol.token);
    const carolCut = once(carolSocket, "disconnect");
    const deleted = await apiA.request("DELETE", "/auth/me", {
      token: carol.token,
      body: { password: PASSWORD },
    });
    expect(deleted.status).toBe(204);
    await carolCut;
  });
});
