import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";
import { type ClientSocket, connectClient, once } from "../../test/support/sockets";
import type { RealtimeNode } from "../src";
import { connectClient as connectYjs, type TestClient } from "./yjsClients";

const PASSWORD = "correct horse battery";

interface Tokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
}

async function login(api: ApiClient, username: string): Promise<Tokens> {
  const res = await api.request("POST", "/auth/login", {
    body: { login: username, password: PASSWORD },
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  // The old fields stay: `user` and `accessToken`.
  expect(res.body.user.username).toBe(username);
  return res.body as Tokens;
}

const refresh = (api: ApiClient, refreshToken: string) =>
  api.post("/auth/refresh", { refreshToken });

/** Rotation, reuse detection and expiry of refresh tokens, on both databases. */
describe.each<DbKind>(["sqlite", "postgres"])("refresh tokens on %s", (kind) => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;

  beforeAll(async () => {
    stack = await createTestStack(kind, { worker: false });
    node = await stack.startNode();
    api = apiClient(node.url);
  });
  afterAll(() => stack?.close());

  it("rotates on use: a fresh access token and the next refresh token, same login session", async () => {
    await api.register("rita");
    const first = await login(api, "rita");
    const sessionsBefore = (await api.get("/auth/sessions", first.accessToken)).body.sessions;
    const minutes = (Date.parse(first.accessTokenExpiresAt) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);
    const next = await refresh(api, first.refreshToken);
    expect(next.status).toBe(200);
    expect(next.body.refreshToken).not.toBe(first.refreshToken);
    expect((await api.get("/auth/me", next.body.accessToken)).body.username).toBe("rita");
    const third = await refresh(api, next.body.refreshToken);
    expect(third.status).toBe(200);
    // The same login session all along (the family), not one per refresh.
    const listed = (await api.get("/auth/sessions", third.body.accessToken)).body.sessions;
    expect(listed.map((s: { id: string }) => s.id)).toEqual(
      sessionsBefore.map((s: { id: string }) => s.id),
    );
    expect(listed.find((s: { current: boolean }) => s.current)?.id).toBe(
      sessionsBefore.find((s: { current: boolean }) => s.current)?.id,
    );
  });

  it("a spent refresh token coming back ends the whole family", async () => {
    await api.register("sam");
    const stolen = await login(api, "sam");
    const other = await login(api, "sam");
    const victim = (await refresh(api, stolen.refreshToken)).body as Tokens;
    // The thief replays the spent one: refused, and the victim's newer tokens die too.
    const replay = await refresh(api, stolen.refreshToken);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe("unauthorized");
    expect((await refresh(api, victim.refreshToken)).status).toBe(401);
    expect((await api.get("/auth/me", victim.accessToken)).status).toBe(401);
    // Another login of the same person is another family: untouched.
    expect((await api.get("/auth/me", other.accessToken)).status).toBe(200);
    expect((await refresh(api, other.refreshToken)).status).toBe(200);
  });

  it("refuses forged, malformed and expired refresh tokens; a forgery ends nothing", async () => {
    await api.register("tess");
    const t = await login(api, "tess");
    const [prefix, id, gen] = t.refreshToken.split(".");
    const forged = `${prefix}.${id}.${Number(gen) + 1}.${"A".repeat(43)}`;
    for (const bad of [forged, "rt1.nope", "", "x".repeat(600)]) {
      const res = await refresh(api, bad);
      expect([400, 401]).toContain(res.status);
    }
    expect((await refresh(api, forged)).status).toBe(401);
    const next = await refresh(api, t.refreshToken);
    expect(next.status).toBe(200);
    // The login session runs out (REFRESH_TOKEN_EXPIRE_DAYS without a refresh).
    await node.ctx.db.models.LoginSession.update(
      { expiresAt: new Date(Date.now() - 1000) },
      { where: { id: id! } },
    );
    expect((await refresh(api, next.body.refreshToken)).status).toBe(401);
  });
});

describe("refresh-token reuse across two nodes", () => {
  let stack: TestStack;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  const sockets: ClientSocket[] = [];
  const docs: TestClient[] = [];

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true, worker: false });
    nodeA = await stack.startNode();
    nodeB = await stack.startNode();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const d of docs) d.destroy();
    await stack?.close();
  });

  it("reuse on A cuts the family's socket and Yjs doc on B within 1 s", async () => {
    const apiA = apiClient(nodeA.url);
    const apiB = apiClient(nodeB.url);
    await apiA.register("uma");
    const first = await login(apiA, "uma");
    const renewed = (await refresh(apiB, first.refreshToken)).body as Tokens;
    const sessionId = (await apiA.post("/chat/sessions", { title: "Cut" }, renewed.accessToken))
      .body.id;
    const socket = await connectClient(nodeB.url, renewed.accessToken);
    sockets.push(socket);
    const doc = await connectYjs(apiB, nodeB.url, sessionId, renewed.accessToken);
    docs.push(doc);
    const socketCut = once(socket, "disconnect");
    const docCut = new Promise<number>((resolve) =>
      doc.provider.once("connection-close", (event: CloseEvent | null) => {
        doc.provider.shouldConnect = false;
        resolve(event?.code ?? 0);
      }),
    );
    const started = Date.now();
    expect((await refresh(apiA, first.refreshToken)).status).toBe(401);
    expect(await socketCut).toBe("io server disconnect");
    expect(await docCut).toBe(4401);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
