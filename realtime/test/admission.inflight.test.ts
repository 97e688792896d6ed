import { widgetKeyRoom, yjsRoom } from "@engunity/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type ClientSocket, connectClient, waitFor } from "../../test/support/sockets";
import type { RealtimeNode } from "../src";
import { closedWith, getTicket, rawConnect } from "./yjsClients";

type Account = { user: { id: string; username: string }; token: string };

/** A promise with its resolver, for holding a server step until the test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

/**
 * A change of trust that lands while a connection is still being admitted: its
 * handshake has read that the login is live and the member may write, but the socket is
 * not yet where the change's cut would find it (Socket.IO: the user's room; Yjs: the
 * doc's connections). The change must still reach it: a sign-out cuts it, a demotion
 * makes it read-only, a removal closes it — not in 30 s (the role re-read), and for a
 * sign-out not never (a user socket lives as long as its login may).
 */
describe("trust changes during admission, across two nodes", () => {
  let stack: TestStack;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  let apiA: ApiClient;
  let alice: Account;
  const sockets: ClientSocket[] = [];
  const raw: WebSocket[] = [];
  const restore: (() => void)[] = [];

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true, worker: false });
    nodeA = await stack.startNode();
    nodeB = await stack.startNode();
    apiA = apiClient(nodeA.url);
    alice = await apiA.register("alice");
  });
  afterEach(() => {
    for (const undo of restore.splice(0)) undo();
    for (const s of sockets.splice(0)) s.close();
    for (const ws of raw.splice(0)) ws.terminate();
  });
  afterAll(() => stack?.close());

  /**
   * Node B's `revocation[method]` for `userId` answers, then waits for `hold`: `check` is the
   * Yjs admission's login read, `admit` the Socket.IO handshake's.
   */
  const holdLoginRead = (method: "check" | "admit", userId: string, hold: Promise<void>) => {
    const revocation = nodeB.ctx.revocation as unknown as Record<
      string,
      (uid: string, ...rest: unknown[]) => Promise<unknown>
    >;
    const original = revocation[method]!;
    const reached = gate();
    revocation[method] = async (uid, ...rest) => {
      const answer = await original.call(revocation, uid, ...rest);
      if (uid === userId) {
        reached.open();
        await hold;
      }
      return answer;
    };
    restore.push(() => {
      revocation[method] = original;
    });
    return reached.opened;
  };
  /** Node B's read of `userId`'s row in the Yjs admission (after its role read) waits for `hold`. */
  const holdYjsUserRead = (userId: string, hold: Promise<void>) => {
    const User = nodeB.ctx.db.models.User;
    const findByPk = User.findByPk;
    const reached = gate();
    User.findByPk = async function (this: unknown, ...args: unknown[]) {
      const found = await (findByPk as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      const attributes = (args[1] as { attributes?: string[] } | undefined)?.attributes;
      // The admission's name read (the login check reads the user too, before the role).
      if (args[0] === userId && attributes?.includes("username")) {
        reached.open();
        await hold;
      }
      return found;
    } as typeof findByPk;
    restore.push(() => {
      User.findByPk = findByPk;
    });
    return reached.opened;
  };
  const heardOnB = (userId: string) =>
    new Promise<void>((resolve) => {
      const stop = nodeB.ctx.revocation.onRevoke((event) => {
        if (event.userId !== userId) return;
        stop();
        resolve();
      });
    });
  const login = async (username: string) => {
    const res = await apiA.post("/auth/login", {
      login: username,
      password: "correct horse battery",
    });
    expect(res.status).toBe(200);
    return res.body.accessToken as string;
  };
  const sessionWith = async (member: Account, role: "editor" | "viewer") => {
    const id = (await apiA.post("/chat/sessions", { title: "inflight" }, alice.token)).body
      .id as string;
    await apiA.post(`/chat/${id}/members`, { username: member.user.username, role }, alice.token);
    return id;
  };
  const bobsConn = (sessionId: string, userId: string) => {
    const shared = nodeB.yjs.registry.get(yjsRoom(sessionId));
    return [...(shared?.conns.keys() ?? [])].find((c) => c.userId === userId);
  };

  it("a logout on A cuts a Socket.IO handshake in flight on B", async () => {
    const bob = await apiA.register("bob");
    const token = await login("bob");
    const hold = gate();
    const reached = holdLoginRead("admit", bob.user.id, hold.opened);
    const connecting = connectClient(nodeB.url, token);
    await reached;
    const heard = heardOnB(bob.user.id);
    expect((await apiA.post("/auth/logout", undefined, token)).status).toBe(204);
    await heard;
    hold.open();
    // Refused, or connected and cut at once: either way not left standing.
    const socket = await connecting.catch(() => null);
    if (socket) {
      sockets.push(socket);
      await waitFor(() => !socket.connected, "the signed-out socket to be cut", 1000);
    }
  });

  it("a widget key revoked on A cuts a widget handshake in flight on B", async () => {
    const host = "https://shop.example.test";
    const created = await apiA.post(
      "/widget/keys",
      { teamName: "Acme", allowedOrigins: [host] },
      alice.token,
    );
    expect(created.status).toBe(201);
    const { key, widgetKey } = created.body as { key: string; widgetKey: { id: string } };
    const issued = await apiA.request("POST", "/widget/tokens", {
      body: { visitor: { id: "v-inflight", name: "Vera" } },
      headers: { "x-widget-key": key },
    });
    expect(issued.status).toBe(201);
    // Node B's read of the key in the widget handshake waits until the key is revoked.
    const WidgetKey = nodeB.ctx.db.models.WidgetKey;
    const findByPk = WidgetKey.findByPk;
    const hold = gate();
    const reached = gate();
    let armed = true;
    WidgetKey.findByPk = async function (this: unknown, ...args: unknown[]) {
      const found = await (findByPk as (...a: unknown[]) => Promise<unknown>).apply(this, args);
      if (armed && args[0] === widgetKey.id) {
        armed = false;
        reached.open();
        await hold.opened;
      }
      return found;
    } as typeof findByPk;
    restore.push(() => {
      WidgetKey.findByPk = findByPk;
    });
    const connecting = connectClient(nodeB.url, issued.body.token, { headers: { origin: host } });
    await reached.opened;
    // The cut reaches B through the adapter (a request applied to the key's room there)
    // before the handshake goes on.
    const adapter = nodeB.io.of("/").adapter as unknown as {
      apply(opts: { rooms?: Set<string> }, cb: unknown): void;
    };
    const apply = adapter.apply;
    const cutOnB = gate();
    adapter.apply = function (this: unknown, opts, cb) {
      if (opts.rooms?.has(widgetKeyRoom(widgetKey.id))) cutOnB.open();
      return apply.call(this, opts, cb);
    };
    restore.push(() => {
      adapter.apply = apply;
    });
    const revoked = await apiA.post(`/widget/keys/${widgetKey.id}/revoke`, {}, alice.token);
    expect(revoked.status).toBe(200);
    await cutOnB.opened;
    hold.open();
    const socket = await connecting.catch(() => null);
    if (socket) {
      sockets.push(socket);
      await waitFor(() => !socket.connected, "the revoked widget's socket to be cut", 1000);
    }
  });

  it("a logout on A closes a Yjs connection being admitted on B", async () => {
    const carol = await apiA.register("carol");
    const token = await login("carol");
    const sessionId = (await apiA.post("/chat/sessions", { title: "yjs" }, token)).body
      .id as string;
    const ticket = await getTicket(apiA, sessionId, token);
    const hold = gate();
    const reached = holdLoginRead("check", carol.user.id, hold.opened);
    const connecting = rawConnect(nodeB.url, yjsRoom(sessionId), `?ticket=${ticket}`);
    await reached;
    const heard = heardOnB(carol.user.id);
    expect((await apiA.post("/auth/logout", undefined, token)).status).toBe(204);
    await heard;
    hold.open();
    const opened = await connecting;
    if (opened.ws) {
      raw.push(opened.ws);
      expect(await closedWith(opened.ws, 1000)).toBe(4401);
    }
  });

  it.each([
    ["held", true],
    ["not held", false],
  ])(
    "a demotion on A reaches a Yjs connection being admitted on B (doc %s there)",
    async (_, warm) => {
      const dave = await apiA.register(`dave${warm ? "w" : "c"}`);
      const sessionId = await sessionWith(dave, "editor");
      if (warm) {
        // Alice holds the doc open on B: the demotion's role message reaches B's doc.
        const t = await getTicket(apiA, sessionId, alice.token);
        const a = await rawConnect(nodeB.url, yjsRoom(sessionId), `?ticket=${t}`);
        if (a.ws) raw.push(a.ws);
      }
      const ticket = await getTicket(apiA, sessionId, dave.token);
      const hold = gate();
      const reached = holdYjsUserRead(dave.user.id, hold.opened);
      const connecting = rawConnect(nodeB.url, yjsRoom(sessionId), `?ticket=${ticket}`);
      await reached;
      const heard = nodeB.yjs.registry.trustChanges;
      const patched = await apiA.patch(
        `/chat/${sessionId}/members/${dave.user.id}`,
        { role: "viewer" },
        alice.token,
      );
      expect(patched.status).toBe(200);
      // Held on B, the doc hears the role message before the admission goes on; not held,
      // B hears nothing (no doc to tell) and the doc's load is what makes it check again.
      if (warm) {
        await waitFor(() => nodeB.yjs.registry.trustChanges > heard, "B to hear the demotion");
      }
      hold.open();
      const opened = await connecting;
      if (opened.ws) raw.push(opened.ws);
      await waitFor(() => bobsConn(sessionId, dave.user.id) !== undefined, "dave attached on B");
      await waitFor(
        () => bobsConn(sessionId, dave.user.id)?.canWrite === false,
        "dave's connection to be read-only",
        1000,
      );
    },
  );

  it("a removal on A closes a Yjs connection being admitted on B", async () => {
    const erin = await apiA.register("erin");
    const sessionId = await sessionWith(erin, "editor");
    const ticket = await getTicket(apiA, sessionId, erin.token);
    const hold = gate();
    const reached = holdYjsUserRead(erin.user.id, hold.opened);
    const connecting = rawConnect(nodeB.url, yjsRoom(sessionId), `?ticket=${ticket}`);
    await reached;
    // Committed once answered; B holds no doc of the session, so nothing reaches it: the
    // doc's load during the admission is what makes it check again.
    expect((await apiA.del(`/chat/${sessionId}/members/${erin.user.id}`, alice.token)).status).toBe(
      204,
    );
    hold.open();
    const opened = await connecting;
    if (opened.ws) {
      raw.push(opened.ws);
      expect(await closedWith(opened.ws, 1000)).toBe(4403);
    }
  });
});
