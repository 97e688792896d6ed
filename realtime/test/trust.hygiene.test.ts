import { statSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";
import type { RealtimeNode } from "../src";

type Account = { user: { id: string; username: string }; token: string };

/** Findings 1, 6, 9, 10, 11 and 12, on both databases. */
describe.each<DbKind>(["sqlite", "postgres"])("trust hygiene on %s", (kind) => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;
  let alice: Account;

  beforeAll(async () => {
    stack = await createTestStack(kind, { worker: false });
    node = await stack.startNode();
    api = apiClient(node.url);
    alice = await api.register("alice");
    await api.register("bob");
  });
  afterAll(() => stack?.close());

  it("answers 400, never 500, to NUL bytes in login, search and add-member (finding 11)", async () => {
    const sessionId = (await api.post("/chat/sessions", { title: "n" }, alice.token)).body.id;
    const cases = [
      api.post("/auth/login", { login: "ali\u0000ce", password: "whatever it is" }),
      api.get(`/search?q=${encodeURIComponent("a\u0000b")}`, alice.token),
      api.post(
        `/chat/${sessionId}/members`,
        { username: "bo\u0000b", role: "editor" },
        alice.token,
      ),
      api.post(
        `/chat/${sessionId}/members`,
        { email: "b\u0000@x.test", role: "viewer" },
        alice.token,
      ),
      api.patch("/auth/me", { fullName: "Al\u0000ice" }, alice.token),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    expect((await api.get(`/chat/${sessionId}/members`, alice.token)).body.members).toHaveLength(1);
  });

  it("answers 400 or 415 to a body that is not what its Content-Encoding says (finding 11)", async () => {
    for (const encoding of ["gzip", "deflate", "br", "bogus", "gzip, gzip"]) {
      const res = await api.request("POST", "/auth/login", {
        raw: '{"login":"alice","password":"x"}',
        headers: { "content-encoding": encoding },
      });
      expect([400, 415]).toContain(res.status);
      expect(res.body.error.code).toMatch(/validation_failed|unsupported_media_type/);
    }
  });

  it("refuses weak passwords: common, short, blank or NUL-filled (finding 10)", async () => {
    for (const password of [
      "password",
      "password12",
      " ".repeat(10),
      "\u0000".repeat(10),
      "qwertyuiop",
      "1234567890",
    ]) {
      const res = await api.post("/auth/register", {
        username: "weakling",
        email: "weak@example.test",
        password,
      });
      expect(res.status, JSON.stringify(password)).toBe(400);
    }
    const own = await api.post("/auth/register", {
      username: "weakling",
      email: "weak@example.test",
      password: "weakling2026",
    });
    expect(own.status).toBe(400);
  });

  it("shows no one else's email: member list, export, search, presence (finding 6)", async () => {
    const sessionId = (await api.post("/chat/sessions", { title: "Privacy" }, alice.token)).body.id;
    const bob = await api.post("/auth/login", { login: "bob", password: "correct horse battery" });
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "viewer" }, alice.token);
    await api.post("/chat/", { sessionId, content: "hello privacy", ai: false }, alice.token);
    const token = bob.body.accessToken;
    const responses = [
      await api.get(`/chat/${sessionId}/members`, token),
      await api.get(`/chat/${sessionId}`, token),
      await api.get(`/chat/${sessionId}/export?format=json`, token),
      await api.get("/search?q=privacy", token),
    ];
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(res.text).not.toContain("@example.test");
    }
    // One's own user still carries the email.
    expect((await api.get("/auth/me", token)).body.email).toBe("bob@example.test");
    expect(bob.body.user.email).toBe("bob@example.test");
  });

  it("keeps the SQLite file 0600 in a 0700 folder (finding 12)", () => {
    if (kind !== "sqlite") return;
    const file = node.ctx.config.sqlitePath;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
  });
});

describe("limits before the expensive part (findings 1, 9, 12)", () => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;

  beforeAll(async () => {
    stack = await createTestStack("sqlite", { worker: false });
    node = await stack.startNode({
      LOGIN_IP_RATE_PER_MINUTE: "10",
      WRITE_RATE_PER_MINUTE: "8",
      METRICS_TOKEN: "metrics-token-0123456789",
    });
    api = apiClient(node.url);
  });
  afterAll(() => stack?.close());

  it("turns a flood of made-up logins from one IP away before hashing", async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        api.post("/auth/login", { login: `nobody${i}`, password: "not a real password" }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    expect(results.find((r) => r.status === 429)?.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("rate-limits session creates, PATCH and Yjs tickets per user", async () => {
    // Registration is its own (per IP) bucket; the login flood above spent this IP's logins.
    const { token } = await api.register("writer");
    const statuses: number[] = [];
    const id = (await api.post("/chat/sessions", { title: "w" }, token)).body.id;
    for (let i = 0; i < 4; i++)
      statuses.push((await api.patch(`/chat/${id}`, { title: `t${i}` }, token)).status);
    for (let i = 0; i < 4; i++)
      statuses.push((await api.post(`/chat/${id}/yjs-ticket`, undefined, token)).status);
    statuses.push((await api.post("/chat/sessions", { title: "x" }, token)).status);
    expect(statuses.slice(0, 7).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(7)).toEqual([429, 429]);
    // Reading is not limited.
    expect((await api.get("/chat/", token)).status).toBe(200);
  });

  it("keeps /metrics behind METRICS_TOKEN, whatever the case or trailing slash", async () => {
    for (const path of ["/metrics", "/METRICS", "/metrics/", "/Metrics"]) {
      expect((await fetch(`${node.url}${path}`)).status, path).toBe(401);
      const wrong = await fetch(`${node.url}${path}`, {
        headers: { authorization: "Bearer nope" },
      });
      expect(wrong.status).toBe(401);
    }
    const ok = await fetch(`${node.url}/metrics`, {
      headers: { authorization: "Bearer metrics-token-0123456789" },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("engunity_");
  });

  it("without METRICS_TOKEN answers /metrics only to a direct loopback client", async () => {
    const plain = await stack.startNode();
    expect((await fetch(`${plain.url}/metrics`)).status).toBe(200);
    const proxied = await fetch(`${plain.url}/metrics`, {
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    expect(proxied.status).toBe(404);
  });
});
