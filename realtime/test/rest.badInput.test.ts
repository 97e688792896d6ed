import jwt from "jsonwebtoken";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Every bad request gets the contract's error shape, the right status, and changes nothing. */
describe.each<DbKind>(["sqlite", "postgres"])("REST bad input on %s", (kind) => {
  let stack: TestStack;
  let api: ApiClient;
  let alice: { user: { id: string }; token: string };
  let sessionId: string;
  let secret: string;

  /** Counts of every table a bad request might have touched. */
  async function snapshot() {
    const { models } = stack.nodes[0]!.ctx.db;
    const session = await models.ChatSession.findByPk(sessionId);
    return {
      users: await models.User.count(),
      sessions: await models.ChatSession.count(),
      members: await models.SessionMember.count(),
      messages: await models.ChatMessage.count(),
      title: session?.title,
      settings: JSON.stringify(session?.settings),
    };
  }

  function expectError(res: { status: number; body: any }, status: number, code: string) {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body).toMatchObject({ error: { code, message: expect.any(String) } });
  }

  beforeAll(async () => {
    stack = await createTestStack(kind);
    const node = await stack.startNode();
    secret = node.ctx.config.SECRET_KEY;
    api = apiClient(node.url);
    alice = await api.register("alice");
    sessionId = (await api.post("/chat/sessions", { title: "Original" }, alice.token)).body.id;
    await api.post(
      "/chat/",
      { sessionId, content: "first", clientId: "x1", ai: false },
      alice.token,
    );
  });
  afterAll(() => stack?.close());

  it("rejects malformed JSON and wrong content types", async () => {
    const before = await snapshot();
    expectError(
      await api.request("POST", "/chat/", { token: alice.token, raw: '{"sessionId": ' }),
      400,
      "validation_failed",
    );
    expectError(
      await api.request("POST", "/chat/", {
        token: alice.token,
        raw: "content=hi",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
      "unsupported_media_type",
    );
    // A body that is not JSON is refused, not read as `{}` (which would create an
    // untitled session here).
    for (const type of ["text/plain", "application/xml", undefined]) {
      expectError(
        await api.request("POST", "/chat/sessions", {
          token: alice.token,
          raw: '{"title": "sneaky"}',
          headers: type ? { "content-type": type } : { "content-type": "" },
        }),
        415,
        "unsupported_media_type",
      );
    }
    expectError(
      await api.request("PATCH", `/chat/${sessionId}`, { token: alice.token, raw: "[1,2" }),
      400,
      "validation_failed",
    );
    expect(await snapshot()).toEqual(before);
  });

  it("rejects missing fields, wrong types and over-long values", async () => {
    const before = await snapshot();
    const cases: [string, string, unknown][] = [
      ["POST", "/chat/", {}],
      ["POST", "/chat/", { sessionId, content: "" }],
      ["POST", "/chat/", { sessionId, content: 42 }],
      ["POST", "/chat/", { sessionId, content: "x".repeat(32_001) }],
      ["POST", "/chat/", { sessionId: "not-a-uuid", content: "hi" }],
      ["POST", "/chat/", { sessionId, content: "hi", clientId: "has spaces" }],
      ["POST", "/chat/", { sessionId, content: "hi", ai: "yes" }],
      ["POST", "/chat/", { sessionId, content: "   \n\t " }],
      ["POST", "/chat/", { sessionId, content: "nul\u0000byte" }],
      ["POST", "/chat/", { sessionId, content: "lone \udc00 surrogate" }],
      ["POST", "/chat/", { sessionId, content: "hi", provider: "bogus" }],
      ["PATCH", `/chat/${sessionId}`, { title: "two\nlines" }],
      ["PATCH", `/chat/${sessionId}`, { settings: { provider: "bogus" } }],
      ["PATCH", `/chat/${sessionId}`, { title: "t".repeat(201) }],
      ["PATCH", `/chat/${sessionId}`, {}],
      ["PATCH", `/chat/${sessionId}`, { settings: { aiMode: "always" } }],
      ["POST", "/chat/sessions", { title: ["array"] }],
      ["POST", `/chat/${sessionId}/members`, { role: "editor" }],
      [
        "POST",
        `/chat/${sessionId}/members`,
        { username: "bob", email: "bob@x.io", role: "editor" },
      ],
      ["POST", `/chat/${sessionId}/members`, { username: "bob", role: "owner" }],
      ["POST", `/chat/${sessionId}/invites`, { role: "viewer", expiresInMinutes: 0 }],
      [
        "POST",
        "/auth/register",
        { username: "ab", email: "ab@example.test", password: "password123" },
      ],
      [
        "POST",
        "/auth/register",
        { username: "newuser", email: "not-an-email", password: "password123" },
      ],
      [
        "POST",
        "/auth/register",
        { username: "newuser", email: "n@example.test", password: "short" },
      ],
      [
        "POST",
        "/auth/register",
        { username: "bad name!", email: "n@example.test", password: "password123" },
      ],
      ["POST", "/auth/login", { login: "alice" }],
    ];
    for (const [method, path, body] of cases) {
      const res = await api.request(method, path, { token: alice.token, body });
      expectError(res, 400, "validation_failed");
      expect(Array.isArray(res.body.error.details), `${method} ${path}`).toBe(true);
    }
    expectError(
      await api.get(`/chat/${sessionId}?limit=100000`, alice.token),
      400,
      "validation_failed",
    );
    expectError(await api.get("/search?q=", alice.token), 400, "validation_failed");
    expectError(
      await api.get(`/chat/${sessionId}/export?format=pdf`, alice.token),
      400,
      "validation_failed",
    );
    expect(await snapshot()).toEqual(before);
  });

  it("treats operator-injection objects as bad input, never as query operators", async () => {
    const before = await snapshot();
    const injections: [string, string, unknown][] = [
      ["POST", "/auth/login", { login: { $ne: null }, password: { $ne: null } }],
      ["POST", "/auth/login", { login: { "[Op.ne]": "" }, password: "x" }],
      ["POST", "/chat/", { sessionId: { $ne: null }, content: "hi" }],
      ["POST", "/chat/", { sessionId, content: { $gt: "" } }],
      ["POST", `/chat/${sessionId}/members`, { username: { $ne: null }, role: "editor" }],
      ["PATCH", `/chat/${sessionId}`, { title: { $ne: null } }],
    ];
    for (const [method, path, body] of injections) {
      expectError(
        await api.request(method, path, { token: alice.token, body }),
        400,
        "validation_failed",
      );
    }
    // A replacement-looking string is stored literally, not interpolated.
    const literal = await api.post(
      "/chat/",
      { sessionId, content: ":name $1 ?", clientId: "lit", ai: false },
      alice.token,
    );
    expect(literal.body.userMessage.content).toBe(":name $1 ?");
    const hits = await api.get(`/search?q=${encodeURIComponent("' OR 1=1 --")}`, alice.token);
    expect(hits.body.results).toEqual([]);
    const after = await snapshot();
    expect(after).toEqual({ ...before, messages: before.messages + 1 });
  });

  it("refuses bad, expired, unsigned and foreign tokens with 401", async () => {
    const before = await snapshot();
    const now = Math.floor(Date.now() / 1000);
    const sub = alice.user.id;
    const tokens: Record<string, string | undefined> = {
      none: undefined,
      garbage: "garbage",
      malformedJwt: "a.b.c",
      algNone: `${b64url({ alg: "none", typ: "JWT" })}.${b64url({ sub, exp: now + 3600 })}.`,
      wrongSignature: jwt.sign({}, "x".repeat(40), { subject: sub, expiresIn: 3600 }),
      expired: jwt.sign({ exp: now - 10 }, secret, { subject: sub }),
      missingExp: jwt.sign({}, secret, { subject: sub }),
      missingSub: jwt.sign({}, secret, { expiresIn: 3600 }),
      hs512: jwt.sign({}, secret, { subject: sub, expiresIn: 3600, algorithm: "HS512" }),
      widgetToken: jwt.sign({ sid: sessionId }, secret, { subject: sub, expiresIn: 3600 }),
      unknownUser: jwt.sign({}, secret, {
        subject: "6f1c1d1e-1111-4111-8111-111111111111",
        expiresIn: 3600,
      }),
    };
    for (const [name, token] of Object.entries(tokens)) {
      for (const res of [
        await api.get("/auth/me", token),
        await api.get("/chat/", token),
        await api.patch(`/chat/${sessionId}`, { title: "pwned" }, token),
        await api.post("/chat/", { sessionId, content: "pwned" }, token),
      ]) {
        expect(res.status, name).toBe(401);
        expect(res.body.error.code, name).toBe("unauthorized");
      }
    }
    const raw = await api.request("GET", "/auth/me", {
      headers: { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
    });
    expectError(raw, 401, "unauthorized");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses the token of a deleted user", async () => {
    const ghost = await api.register(`ghost${kind}`);
    await stack.nodes[0]!.ctx.db.models.User.destroy({ where: { id: ghost.user.id } });
    expectError(await api.get("/auth/me", ghost.token), 401, "unauthorized");
  });

  it("answers unknown routes and malformed ids with not_found", async () => {
    expectError(await api.get("/nope", alice.token), 404, "not_found");
    expectError(await api.get("/chat/not-a-uuid", alice.token), 404, "not_found");
    expectError(await api.del("/chat/..%2F..%2Fetc", alice.token), 404, "not_found");
    expectError(await api.post("/invites/short/accept", undefined, alice.token), 404, "not_found");
    expectError(
      await api.post(`/invites/${"a".repeat(32)}/accept`, undefined, alice.token),
      404,
      "not_found",
    );
  });

  it("rejects a body over the JSON limit with 413", async () => {
    const before = await snapshot();
    const res = await api.request("POST", "/chat/", {
      token: alice.token,
      raw: JSON.stringify({ sessionId, content: "x".repeat(300 * 1024) }),
    });
    expectError(res, 413, "payload_too_large");
    expect(await snapshot()).toEqual(before);
  });
});

describe("login brute force", () => {
  let stack: TestStack;
  let api: ApiClient;
  beforeAll(async () => {
    stack = await createTestStack("sqlite");
    api = apiClient((await stack.startNode({ LOGIN_RATE_LIMIT: "3" })).url);
    await api.register("victim");
  });
  afterAll(() => stack?.close());

  it("answers rate_limited with Retry-After after too many attempts, even with the right password", async () => {
    // Username and email share one bucket: switching between them buys no extra tries.
    for (const login of ["victim", "victim@example.test", "VICTIM"]) {
      expect((await api.post("/auth/login", { login, password: "wrong password" })).status).toBe(
        401,
      );
    }
    const limited = await api.post("/auth/login", {
      login: "victim",
      password: "correct horse battery",
    });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
