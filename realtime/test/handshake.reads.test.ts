import { signAccessToken } from "@engunity/core";
import { loginLiveness } from "@engunity/db";
import { sessionWatchRoom } from "@engunity/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";
import { connectClient, connectError, waitFor } from "../../test/support/sockets";
import type { RealtimeNode } from "../src";

type Account = { user: { id: string; username: string }; token: string };

/** The login session a user token names (its `jti`). */
function loginOf(token: string): string {
  const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
  return payload.jti as string;
}

/**
 * A handshake reads the login fresh, in one statement (user active, login session
 * theirs, live and unexpired, and the user's watch rooms), whatever the node's login
 * cache holds. A reconnect storm is one of these per socket (issue 16).
 */
describe.each<DbKind>(["sqlite", "postgres"])("socket handshake reads on %s", (kind) => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;
  const statements: string[] = [];
  let counting = false;

  /** Changes a login session behind the node's back: no revocation message, no cache drop. */
  const setLogin = (token: string, fields: Record<string, unknown>) =>
    node.ctx.db.models.LoginSession.update(fields, { where: { id: loginOf(token) } });

  beforeAll(async () => {
    stack = await createTestStack(kind, { worker: false });
    node = await stack.startNode();
    api = apiClient(node.url);
    const options = (node.ctx.db.sequelize as unknown as { options: { logging: unknown } }).options;
    options.logging = (sql: string) => {
      if (counting) statements.push(sql);
    };
  });
  afterAll(() => stack?.close());

  const fresh = async (name: string): Promise<Account> => {
    const account = await api.register(name);
    // The login is now in the node's cache as live (REST calls check it).
    expect((await api.get("/auth/me", account.token)).status).toBe(200);
    return account;
  };

  /** A session owned by `ownerId`; its id. */
  const makeSession = async (ownerId: string): Promise<string> => {
    const { models } = node.ctx.db;
    const session = await models.ChatSession.create({ userId: ownerId, title: "t", settings: {} });
    await models.SessionMember.create({ sessionId: session.id, userId: ownerId, role: "owner" });
    return session.id;
  };
  /** Whether the node's socket `id` is in the session's watch room. */
  const watching = (id: string | undefined, sessionId: string) =>
    !!id && !!node.io.of("/").adapter.rooms.get(sessionWatchRoom(sessionId))?.has(id);

  it("costs one statement: the login with the watch rooms", async () => {
    const erin = await fresh(`erin${kind}`);
    const sessionId = await makeSession(erin.user.id);
    statements.length = 0;
    counting = true;
    const socket = await connectClient(node.url, erin.token);
    await waitFor(() => watching(socket.id, sessionId), "watch room joined");
    counting = false;
    socket.close();
    const reads = statements.filter((s) => !/UPDATE/i.test(s));
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatch(/login_sessions/);
    expect(reads[0]).toMatch(/session_members/);
  });

  it("a watch sent between the handshake's read and the connect still reaches the socket", async () => {
    const fay = await fresh(`fay${kind}`);
    const owner = await fresh(`own2${kind}`);
    const sessionId = await makeSession(owner.user.id);
    const { revocation } = node.ctx;
    const admit = revocation.admit;
    // Fay is added (and watched) after her handshake read her memberships, before her
    // socket is in her user room: the watch finds no socket of hers.
    revocation.admit = async (userId, jti) => {
      const read = await admit.call(revocation, userId, jti);
      await node.ctx.db.models.SessionMember.create({ sessionId, userId, role: "editor" });
      node.ctx.watch(sessionId, userId);
      return read;
    };
    try {
      const socket = await connectClient(node.url, fay.token);
      await waitFor(() => watching(socket.id, sessionId), "watch room joined");
      socket.close();
    } finally {
      revocation.admit = admit;
    }
  });

  it("refuses a login revoked, expired or deactivated behind a live cache entry", async () => {
    const revoked = await fresh(`rev${kind}`);
    await setLogin(revoked.token, { revokedAt: new Date() });
    expect((await connectError(node.url, revoked.token)).data?.error?.code).toBe("unauthorized");

    const expired = await fresh(`exp${kind}`);
    await setLogin(expired.token, { expiresAt: new Date(Date.now() - 1000) });
    expect((await connectError(node.url, expired.token)).data?.error?.code).toBe("unauthorized");

    const inactive = await fresh(`off${kind}`);
    await node.ctx.db.models.User.update({ isActive: false }, { where: { id: inactive.user.id } });
    expect((await connectError(node.url, inactive.token)).data?.error?.code).toBe("unauthorized");

    // And a login that is live still connects (the refusals are not the query failing).
    const live = await fresh(`live${kind}`);
    const socket = await connectClient(node.url, live.token);
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it("a storm of handshakes: each answered for its own login, in one statement on Postgres", async () => {
    const live = await Promise.all([1, 2, 3, 4, 5].map((i) => fresh(`storm${i}${kind}`)));
    const revoked = await fresh(`stormrev${kind}`);
    await setLogin(revoked.token, { revokedAt: new Date() });
    const inactive = await fresh(`stormoff${kind}`);
    await node.ctx.db.models.User.update({ isActive: false }, { where: { id: inactive.user.id } });
    // All at once, each answered for its own login.
    const [sockets, refusals] = await Promise.all([
      Promise.all(live.map((a) => connectClient(node.url, a.token))),
      Promise.all([revoked, inactive].map((a) => connectError(node.url, a.token))),
    ]);
    for (const socket of sockets) {
      expect(socket.connected).toBe(true);
      socket.close();
    }
    for (const err of refusals) expect(err.data?.error?.code).toBe("unauthorized");
    // Asked for in one loop turn: one statement on Postgres, one each on SQLite.
    const all = [...live, revoked, inactive];
    statements.length = 0;
    counting = true;
    const reads = await Promise.all(
      all.map((a) => loginLiveness(node.ctx.db, a.user.id, loginOf(a.token))),
    );
    counting = false;
    expect(reads.map((r) => r.active && r.live)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    const logins = statements.filter((s) => /login_sessions/.test(s));
    expect(logins).toHaveLength(kind === "postgres" ? 1 : all.length);
  });

  it("refuses another user's login session under one's own user id", async () => {
    const a = await fresh(`own${kind}`);
    const b = await fresh(`other${kind}`);
    // Same secret: a token for A naming B's login session.
    const forged = signAccessToken(stack.env.SECRET_KEY!, a.user.id, 5, { jti: loginOf(b.token) });
    expect((await connectError(node.url, forged)).data?.error?.code).toBe("unauthorized");
  });

  it("notes last seen in one batched write", async () => {
    const gus = await fresh(`gus${kind}`);
    const old = new Date(Date.now() - 3_600_000);
    await setLogin(gus.token, { lastSeenAt: old });
    const socket = await connectClient(node.url, gus.token);
    socket.close();
    await waitFor(async () => {
      const row = await node.ctx.db.models.LoginSession.findByPk(loginOf(gus.token));
      return !!row && row.lastSeenAt.getTime() > old.getTime() + 60_000;
    }, "last seen noted");
  });
});
