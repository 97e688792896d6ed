import jwt from "jsonwebtoken";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import {
  barrier,
  type ClientSocket,
  collect,
  connectClient,
  connectError,
  createClient,
  emitAck,
  once,
  waitFor,
} from "../../test/support/sockets";
import type { RealtimeNode } from "../src";
import { socketHandlers } from "../src/sockets/handlers";

type Account = { user: { id: string; username: string }; token: string };

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** Everything a hostile or broken client can throw at the gateway: refused, nothing stored, process up. */
describe("socket gateway bad input", () => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;
  let secret: string;
  let alice: Account;
  let vic: Account;
  let mallory: Account;
  let sessionId: string;
  const open: ClientSocket[] = [];

  const connect = async (account: Account, url = node.url) => {
    const socket = await connectClient(url, account.token);
    open.push(socket);
    return socket;
  };
  const messageCount = () => node.ctx.db.models.ChatMessage.count({ where: { sessionId } });
  const expectStillServing = async () => {
    const socket = await connect(alice);
    const ack = await emitAck(socket, "session:join", { sessionId });
    expect(ack.ok).toBe(true);
  };

  beforeAll(async () => {
    stack = await createTestStack("postgres");
    node = await stack.startNode();
    api = apiClient(node.url);
    secret = stack.env.SECRET_KEY!;
    alice = await api.register("alice");
    vic = await api.register("vic");
    mallory = await api.register("mallory");
    sessionId = (await api.post("/chat/sessions", { title: "Private" }, alice.token)).body.id;
    await api.post(`/chat/${sessionId}/members`, { username: "vic", role: "viewer" }, alice.token);
  });
  afterEach(() => {
    for (const socket of open.splice(0)) socket.close();
  });
  afterAll(() => stack?.close());

  describe("handshake", () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, () => { token?: unknown; query?: Record<string, string> }][] = [
      ["no token", () => ({})],
      ["a token that is not a string", () => ({ token: { $ne: null } })],
      ["garbage", () => ({ token: "not.a.jwt" })],
      [
        "alg none",
        () => ({
          token: `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: alice.user.id, exp: now() + 600 })}.`,
        }),
      ],
      [
        "a wrong signature",
        () => ({ token: jwt.sign({ sub: alice.user.id }, "x".repeat(40), { expiresIn: 600 }) }),
      ],
      [
        "an expired token",
        () => ({ token: jwt.sign({ sub: alice.user.id, exp: now() - 5 }, secret) }),
      ],
      ["a token without exp", () => ({ token: jwt.sign({ sub: alice.user.id }, secret) })],
      [
        "a subject that is not a user id",
        () => ({ token: jwt.sign({ sub: "admin" }, secret, { expiresIn: 600 }) }),
      ],
      ["the token in the query string only", () => ({ query: { token: alice.token } })],
    ];
    it.each(cases)("refuses %s with connect_error unauthorized", async (_name, make) => {
      const { token, query } = make();
      const err = await connectError(node.url, undefined, {
        auth: token === undefined ? {} : { token },
        query,
      });
      expect(err.data).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    });

    it("refuses the token of a deactivated user", async () => {
      const temp = await api.register("tempuser");
      await node.ctx.db.models.User.update({ isActive: false }, { where: { id: temp.user.id } });
      const err = await connectError(node.url, temp.token);
      expect(err.data.error.code).toBe("unauthorized");
    });

    /**
     * The status a refused handshake ended in: engine.io answers a refused `allowRequest`
     * with 403 on polling and 400 on the websocket upgrade; a crash would be a reset or
     * a 500, never these.
     */
    const refusedWith = (err: Error & { description?: any }) =>
      typeof err.description === "number"
        ? err.description
        : err.description?.target?._req?.res?.statusCode;

    it("refuses another site's Origin and lets its own origin and no origin in", async () => {
      const own = new URL(node.url).origin;
      await expect(
        connectClient(node.url, alice.token, { headers: { origin: own } }),
      ).resolves.toBeDefined();
      for (const [transport, status] of [
        ["websocket", 400],
        ["polling", 403],
      ] as const) {
        const err = await connectError(node.url, alice.token, {
          headers: { origin: "https://evil.example" },
          transports: [transport],
        });
        expect({ transport, status: refusedWith(err) }).toEqual({ transport, status });
      }
      await expectStillServing();
    });

    it("allows exactly the configured ALLOWED_ORIGINS", async () => {
      const strict = await stack.startNode({ ALLOWED_ORIGINS: "https://app.example.test" });
      const ok = await connectClient(strict.url, alice.token, {
        headers: { origin: "https://app.example.test" },
      });
      open.push(ok);
      const lookalike = await connectError(strict.url, alice.token, {
        headers: { origin: "https://app.example.test.evil.example" },
        transports: ["polling"],
      });
      expect(refusedWith(lookalike)).toBe(403);
      // With a list configured, even the node's own origin must be on it.
      const own = await connectError(strict.url, alice.token, {
        headers: { origin: new URL(strict.url).origin },
        transports: ["polling"],
      });
      expect(refusedWith(own)).toBe(403);
    });

    it("keeps a user socket past its access token's expiry; the token itself is dead", async () => {
      // Alice's own login session, in a token that runs out in 2 s. The socket belongs to
      // the login session (revoking it cuts the socket, see revocation.test.ts), so a
      // client renewing its short-lived token keeps its connection.
      const exp = Math.floor(Date.now() / 1000) + 2;
      const { jti } = jwt.decode(alice.token) as { jti: string };
      const token = jwt.sign({ sub: alice.user.id, jti, exp }, secret, { algorithm: "HS256" });
      const socket = await connectClient(node.url, token);
      open.push(socket);
      expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);
      await waitFor(() => Date.now() > exp * 1000 + 500, "the token runs out", 5000);
      expect(socket.connected).toBe(true);
      expect((await emitAck(socket, "session:join", { sessionId })).ok).toBe(true);
      expect((await connectError(node.url, token)).data?.error?.code).toBe("unauthorized");
    });
  });

  describe("events", () => {
    it("closes the socket on a 2 MB frame, stores nothing and keeps serving", async () => {
      const before = await messageCount();
      const socket = await connect(alice);
      const closed = once(socket, "disconnect");
      socket.emit(
        "message:send",
        { sessionId, content: "x".repeat(2_000_000), clientId: "huge" },
        () => {},
      );
      expect(await closed).toMatch(/transport (close|error)/);
      expect(await messageCount()).toBe(before);
      await expectStillServing();
    });

    const uuid = "11111111-1111-4111-8111-111111111111";
    const junk: unknown[] = [
      undefined,
      null,
      "a string",
      42,
      true,
      [],
      {},
      { sessionId: "not-a-uuid" },
      { sessionId: { $ne: null } },
    ];
    const badPayloads: Record<"session:join" | "session:leave" | "message:send", unknown[]> = {
      "session:join": junk,
      "session:leave": junk,
      "message:send": [
        ...junk,
        { sessionId: uuid },
        { sessionId: "SESSION", content: 42, clientId: "c2" },
        { sessionId: "SESSION", content: "", clientId: "c3" },
        { sessionId: "SESSION", content: "hi" },
        { sessionId: "SESSION", content: "hi", clientId: "" },
        { sessionId: "SESSION", content: "hi", clientId: "x".repeat(65) },
        { sessionId: "SESSION", content: "hi", clientId: { $gt: "" } },
        { sessionId: "SESSION", content: "hi", clientId: "c4", ai: "yes" },
        { sessionId: "SESSION", content: "x".repeat(32_001), clientId: "c5" },
        { sessionId: "SESSION", content: "lone \ud800 surrogate", clientId: "c6" },
      ],
    };

    it.each(Object.keys(badPayloads))(
      "answers every malformed %s with validation_failed and stores nothing",
      async (event) => {
        const before = await messageCount();
        const socket = await connect(alice);
        for (const raw of badPayloads[event as keyof typeof badPayloads]) {
          const payload = JSON.parse(
            JSON.stringify(raw ?? null).replaceAll('"SESSION"', JSON.stringify(sessionId)),
          );
          const ack =
            raw === undefined
              ? await (socket as any).timeout(5000).emitWithAck(event)
              : await emitAck(socket, event as "session:join", payload);
          expect(ack, JSON.stringify(raw)?.slice(0, 80)).toMatchObject({
            error: { code: "validation_failed" },
          });
          expect(Object.keys(ack)).toEqual(["error"]);
        }
        expect(socket.connected).toBe(true);
        expect(await messageCount()).toBe(before);
      },
    );

    // Every acked event of the gateway's one dispatch table, not only the three above.
    const ackedEvents = socketHandlers.map((h) => h.event).filter((e) => e !== "typing");

    it.each(ackedEvents)("answers junk sent as %s with validation_failed only", async (event) => {
      // A socket of its own per event: the junk stays under the per-socket event budget.
      const socket = await connect(alice);
      for (const raw of [undefined, null, "a string", 42, [], {}, { sessionId: { $ne: null } }]) {
        const ack =
          raw === undefined
            ? await (socket as any).timeout(5000).emitWithAck(event)
            : await emitAck(socket, event as "session:join", raw as never);
        expect(ack, `${event} ${JSON.stringify(raw)}`).toMatchObject({
          error: { code: "validation_failed" },
        });
        expect(Object.keys(ack)).toEqual(["error"]);
      }
    });

    it("answers not_found on every session event for a session that is not there", async () => {
      const socket = await connect(alice);
      // One payload every schema accepts (unknown keys are dropped).
      const payload = {
        sessionId: "33333333-3333-4333-8333-333333333333",
        messageId: uuid,
        afterSeq: 0,
        content: "hello?",
        clientId: "nowhere-1",
      };
      const acks = Object.fromEntries(
        await Promise.all(
          ackedEvents.map(async (e) => [e, await emitAck(socket, e as "session:join", payload)]),
        ),
      );
      for (const event of ackedEvents) {
        if (event === "session:leave") expect(acks[event]).toEqual({ ok: true });
        else {
          expect(acks[event], event).toMatchObject({ error: { code: "not_found" } });
          expect(Object.keys(acks[event])).toEqual(["error"]);
        }
      }
      expect(socket.connected).toBe(true);
    });

    it("drops events sent without an ack and junk typing, and stays up", async () => {
      const before = await messageCount();
      const watcher = await connect(alice);
      await emitAck(watcher, "session:join", { sessionId });
      const typing = collect(watcher, "typing");
      const socket = await connect(alice);
      // Untyped on purpose: the typed map requires an ack, and this is a client without one.
      const untyped = socket as unknown as { emit(event: string, payload: unknown): void };
      untyped.emit("message:send", { sessionId, content: "no ack", clientId: "no-ack-1" });
      untyped.emit("session:join", { sessionId });
      for (const raw of [
        null,
        "typing",
        1,
        [],
        {},
        { sessionId },
        { sessionId, typing: "yes" },
        { sessionId: "x", typing: true },
      ]) {
        socket.emit("typing", raw as never);
      }
      (socket as any).emit("no:such:event", { sessionId }, () => {});
      (socket as any).emit("session:join", { sessionId }, "extra", 3);
      await barrier(socket);
      await barrier(watcher);
      expect(typing).toEqual([]);
      expect(socket.connected).toBe(true);
      expect(await messageCount()).toBe(before);
      expect(await node.ctx.db.models.ChatMessage.count({ where: { clientId: "no-ack-1" } })).toBe(
        0,
      );
    });

    it("answers not_found to a stranger joining or sending, and forbidden to a viewer sending", async () => {
      const before = await messageCount();
      const stranger = await connect(mallory);
      expect(await emitAck(stranger, "session:join", { sessionId })).toMatchObject({
        error: { code: "not_found" },
      });
      expect(
        await emitAck(stranger, "message:send", {
          sessionId,
          content: "let me in",
          clientId: "m-1",
        }),
      ).toMatchObject({
        error: { code: "not_found" },
      });
      const missing = await emitAck(stranger, "session:join", {
        sessionId: "22222222-2222-4222-8222-222222222222",
      });
      expect(missing.error).toEqual((await emitAck(stranger, "session:join", { sessionId })).error);

      const viewer = await connect(vic);
      expect((await emitAck(viewer, "session:join", { sessionId })).session.role).toBe("viewer");
      expect(
        await emitAck(viewer, "message:send", { sessionId, content: "can I?", clientId: "v-1" }),
      ).toMatchObject({
        error: { code: "forbidden" },
      });
      expect(await messageCount()).toBe(before);
    });

    it("keeps a stranger out of the room's broadcasts and presence", async () => {
      const owner = await connect(alice);
      await emitAck(owner, "session:join", { sessionId });
      const stranger = await connect(mallory);
      const seen = collect(stranger, "message:new");
      await emitAck(stranger, "session:join", { sessionId });
      stranger.emit("typing", { sessionId, typing: true });
      await emitAck(owner, "message:send", {
        sessionId,
        content: "members only",
        clientId: "priv-1",
      });
      await barrier(stranger);
      expect(seen).toEqual([]);
      const members = await api.get(`/chat/${sessionId}/members`, alice.token);
      expect(members.body.members.map((m: { user: { id: string } }) => m.user.id)).not.toContain(
        mallory.user.id,
      );
    });

    it("answers rate_limited past the per-user message rate and stores only what it acked", async () => {
      const limited = await stack.startNode({ MESSAGE_RATE_PER_SECOND: "3" });
      const socket = await connect(alice, limited.url);
      const before = await messageCount();
      const acks = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          emitAck(socket, "message:send", {
            sessionId,
            content: `flood ${i}`,
            clientId: `flood-${i}`,
          }),
        ),
      );
      const ok = acks.filter((a) => a.ok);
      const limitedAcks = acks.filter((a) => a.error?.code === "rate_limited");
      expect(ok.length).toBeGreaterThan(0);
      expect(ok.length).toBeLessThanOrEqual(3);
      expect(limitedAcks.length).toBe(10 - ok.length);
      expect(limitedAcks[0].error.details.retryAfter).toBeGreaterThanOrEqual(1);
      expect(await messageCount()).toBe(before + ok.length);
      // Another member is not slowed down by alice's flood.
      const other = await api.register("othersender");
      await api.post(
        `/chat/${sessionId}/members`,
        { username: "othersender", role: "editor" },
        alice.token,
      );
      const otherSocket = await connect(other, limited.url);
      expect(
        (
          await emitAck(otherSocket, "message:send", {
            sessionId,
            content: "fine",
            clientId: "o-1",
          })
        ).ok,
      ).toBe(true);
    });

    it("refuses a socket's events past its per-second budget", async () => {
      const socket = await connect(alice);
      const acks = await Promise.all(
        Array.from({ length: 40 }, () => emitAck(socket, "session:leave", { sessionId })),
      );
      expect(acks.filter((a) => a.error?.code === "rate_limited").length).toBeGreaterThan(0);
      expect(acks.filter((a) => a.ok).length).toBeGreaterThan(0);
    });
  });

  it("the unconnected client helper really does not connect on its own", () => {
    const socket = createClient(node.url, alice.token);
    expect(socket.connected).toBe(false);
    socket.close();
  });
});
