import type { RealtimeNode } from "@engunity/realtime";
import { analyticsResponseSchema, yjsRoom } from "@engunity/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type ApiClient, apiClient } from "../support/api";
import { createTestStack, type DbKind, type TestStack } from "../support/node";
import { connectClient } from "../support/sockets";

type Account = { user: { id: string; username: string }; token: string };

const FROM = "2026-03-01T00:00:00.000Z";
const TO = "2026-03-08T00:00:00.000Z";
/** A Wednesday, 23:30 UTC: 18:30 Wednesday in New York (EST), 05:00 Thursday in Kolkata. */
const KNOWN = new Date("2026-03-04T23:30:00.000Z");
const range = `from=${FROM}&to=${TO}`;

/**
 * The admin area's API against seeded data with known answers, on both databases:
 * percentiles, token and message totals, cost, the heatmap in two zones, failures,
 * the user list and its actions, and 404 for everyone else.
 */
describe.each<DbKind>(["sqlite", "postgres"])("admin API on %s", (kind) => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;
  let admin: Account;
  let alice: Account;
  let bob: Account;
  let s1: string;
  let s2: string;

  beforeAll(async () => {
    stack = await createTestStack(kind, { worker: false });
    node = await stack.startNode({
      AI_PRICES: JSON.stringify({ "groq/m1": { prompt: 1, completion: 2 } }),
    });
    api = apiClient(node.url);
    admin = await api.register("root");
    alice = await api.register("alice");
    bob = await api.register("bob");
    s1 = (await api.post("/chat/sessions", { title: "Alpha" }, alice.token)).body.id;
    s2 = (await api.post("/chat/sessions", { title: "Beta" }, bob.token)).body.id;
    await seed(node, { alice: alice.user.id, bob: bob.user.id, s1, s2 });
  });
  afterAll(() => stack?.close());

  const analytics = async (query = "") => {
    const res = await api.get(`/admin/analytics?${range}${query}`, admin.token);
    expect(res.status, res.text).toBe(200);
    return analyticsResponseSchema.parse(res.body);
  };

  it("makes the first account the admin, and says so on /auth/me only", async () => {
    expect((await api.get("/auth/me", admin.token)).body.isSuperuser).toBe(true);
    expect((await api.get("/auth/me", alice.token)).body.isSuperuser).toBe(false);
  });

  it("answers 404 to non-admins and strangers on every admin route", async () => {
    const routes: [string, string][] = [
      ["GET", "/admin/users"],
      ["PATCH", `/admin/users/${bob.user.id}`],
      ["GET", "/admin/analytics"],
      ["GET", "/admin/nothing-here"],
    ];
    for (const [method, path] of routes) {
      for (const token of [alice.token, undefined, "not-a-token"]) {
        const body = method === "GET" ? undefined : { isActive: false };
        const res = await api.request(method, path, { token, body });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe("not_found");
      }
    }
    expect((await api.get(`/chat/${s2}`, bob.token)).status).toBe(200);
  });

  it("computes p50/p95/p99 of response time and first token by provider and model", async () => {
    const { latency } = await analytics();
    const m1 = latency.find((r) => r.model === "m1")!;
    // ttft 100, 200 … 2000: p95 at rank 0.95·19 = 18.05 → 1900 + 0.05·100.
    expect(m1).toMatchObject({ provider: "groq", answers: 20 });
    expect(m1.ttftMs.p50).toBeCloseTo(1050, 6);
    expect(m1.ttftMs.p95).toBeCloseTo(1905, 6);
    expect(m1.ttftMs.p99).toBeCloseTo(1981, 6);
    expect(m1.durationMs.p95).toBeCloseTo(3810, 6);
    const m2 = latency.find((r) => r.model === "m2")!;
    expect(m2).toMatchObject({ provider: "local", answers: 2 });
    expect(m2.ttftMs.p50).toBeCloseTo(350, 6);
  });

  it("totals tokens per user, model, session and day, with cost from the price table", async () => {
    const a = await analytics();
    expect(a.priced).toBe(true);
    const byUser = Object.fromEntries(a.tokensByUser.map((r) => [r.username, r]));
    expect(byUser.alice).toMatchObject({ promptTokens: 200, completionTokens: 100 });
    expect(byUser.alice!.cost).toBeCloseTo(0.0004, 9);
    expect(byUser.bob).toMatchObject({ promptTokens: 60, completionTokens: 40, cost: null });
    expect(a.tokensByModel.map((r) => [r.model, r.answers, r.promptTokens])).toEqual([
      ["m1", 20, 200],
      ["m2", 2, 60],
    ]);
    expect(a.tokensBySession.map((r) => [r.title, r.promptTokens])).toEqual([
      ["Alpha", 200],
      ["Beta", 60],
    ]);
    expect(a.tokensByDay).toEqual([
      { day: "2026-03-02", promptTokens: 200, completionTokens: 100, cost: 0.0004 },
      { day: "2026-03-04", promptTokens: 60, completionTokens: 40, cost: null },
    ]);
    expect(a.models).toEqual([
      { provider: "groq", model: "m1" },
      { provider: "local", model: "m2" },
    ]);
  });

  it("filters by model, provider and user", async () => {
    const m2 = await analytics("&model=m2");
    expect(m2.tokensByUser.map((r) => r.username)).toEqual(["bob"]);
    expect(m2.latency.map((r) => r.model)).toEqual(["m2"]);
    const groq = await analytics("&provider=groq");
    expect(groq.aiFailures).toEqual([
      { provider: "groq", kind: "error", count: 2 },
      { provider: "groq", kind: "rate_limited", count: 1 },
    ]);
    const onlyBob = await analytics(`&userId=${bob.user.id}`);
    expect(onlyBob.messagesByUser).toEqual([{ userId: bob.user.id, username: "bob", messages: 1 }]);
    expect(onlyBob.tokensByModel.map((r) => r.model)).toEqual(["m2"]);
  });

  it("counts messages per user and active users and sessions per day", async () => {
    const a = await analytics();
    expect(a.messagesByUser.map((r) => [r.username, r.messages])).toEqual([
      ["alice", 3],
      ["bob", 1],
    ]);
    expect(a.activity).toEqual([
      { day: "2026-03-02", activeUsers: 1, activeSessions: 1 },
      { day: "2026-03-04", activeUsers: 2, activeSessions: 2 },
    ]);
  });

  it("places a known timestamp in the heatmap of the viewer's zone", async () => {
    const cell = (grid: number[][], day: number, hour: number) => grid[day]![hour]!;
    const ny = await analytics("&tz=America/New_York");
    expect(cell(ny.heatmap, 2, 18)).toBe(1); // Wednesday 18:30 EST
    const kolkata = await analytics("&tz=Asia/Kolkata");
    expect(cell(kolkata.heatmap, 3, 5)).toBe(1); // Thursday 05:00 IST (+05:30)
    const utc = await analytics();
    expect(cell(utc.heatmap, 2, 23)).toBe(1);
    expect(utc.heatmap.flat().reduce((a, b) => a + b, 0)).toBe(4);
  });

  it("shows database errors and auth failures per day, and records new ones", async () => {
    expect((await analytics()).errors).toEqual([
      { day: "2026-03-02", dbErrors: 0, authFailures: 2 },
      { day: "2026-03-03", dbErrors: 1, authFailures: 0 },
    ]);
    await node.ctx.events.flush(); // what earlier tests queued
    const before = await node.ctx.db.models.AppEvent.count({ where: { kind: "auth_failure" } });
    expect(
      (await api.post("/auth/login", { login: "alice", password: "wrong wrong" })).status,
    ).toBe(401);
    await node.ctx.events.flush();
    const after = await node.ctx.db.models.AppEvent.count({ where: { kind: "auth_failure" } });
    expect(after).toBe(before + 1);
    const now = await api.get("/admin/analytics", admin.token);
    expect(now.body.errors.at(-1).authFailures).toBeGreaterThanOrEqual(1);
  });

  it("refuses a bad range, zone or body with validation_failed", async () => {
    for (const q of [`from=${TO}&to=${FROM}`, "tz=Mars/Olympus", "from=yesterday", "userId=x"]) {
      const res = await api.get(`/admin/analytics?${q}`, admin.token);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe("validation_failed");
    }
    const empty = await api.patch(`/admin/users/${bob.user.id}`, {}, admin.token);
    expect(empty.status).toBe(400);
    const extra = await api.patch(`/admin/users/${bob.user.id}`, { isAdmin: true }, admin.token);
    expect(extra.status).toBe(400);
    const unknown = await api.patch(
      "/admin/users/00000000-0000-4000-8000-000000000000",
      { isActive: false },
      admin.token,
    );
    expect(unknown.status).toBe(404);
  });

  it("lists users with search, counts and last activity", async () => {
    const all = await api.get("/admin/users", admin.token);
    expect(all.body.total).toBe(3);
    const found = await api.get("/admin/users?q=ALI", admin.token);
    expect(found.body.users).toHaveLength(1);
    expect(found.body.users[0]).toMatchObject({
      user: { username: "alice" },
      isActive: true,
      isSuperuser: false,
      messages: 4, // all time, the one before the range too
      promptTokens: 200,
      completionTokens: 100,
      lastActiveAt: "2026-03-04T10:00:00.000Z",
    });
    expect((await api.get("/admin/users?q=%25", admin.token)).body.users).toHaveLength(0);
  });

  it("promotes and demotes, but never the last admin or oneself", async () => {
    const self = await api.patch(
      `/admin/users/${admin.user.id}`,
      { isSuperuser: false },
      admin.token,
    );
    expect(self.status).toBe(409);
    const up = await api.patch(`/admin/users/${alice.user.id}`, { isSuperuser: true }, admin.token);
    expect(up.body.isSuperuser).toBe(true);
    expect((await api.get("/admin/users", alice.token)).status).toBe(200);
    const down = await api.patch(
      `/admin/users/${alice.user.id}`,
      { isSuperuser: false },
      admin.token,
    );
    expect(down.body.isSuperuser).toBe(false);
    expect((await api.get("/admin/users", alice.token)).status).toBe(404);
  });

  it("resets a quota", async () => {
    await node.ctx.ai.usage.add(alice.user.id, 500);
    const q = await api.get("/admin/users?q=alice", admin.token);
    expect(q.body.users[0].tokensToday).toBe(500);
    const reset = await api.patch(
      `/admin/users/${alice.user.id}`,
      { resetQuota: true },
      admin.token,
    );
    expect(reset.body.tokensToday).toBe(0);
  });

  it("shows a session's token use to its members only", async () => {
    const usage = await api.get(`/chat/${s1}/usage`, alice.token);
    expect(usage.body).toEqual({
      total: { promptTokens: 200, completionTokens: 100, answers: 20 },
      byUser: [
        { userId: alice.user.id, username: "alice", promptTokens: 200, completionTokens: 100 },
      ],
      byModel: [
        { provider: "groq", model: "m1", answers: 20, promptTokens: 200, completionTokens: 100 },
      ],
    });
    expect((await api.get(`/chat/${s1}/usage`, bob.token)).status).toBe(404);
  });

  it("deactivating cuts the user's sockets and Yjs connections at once, and refuses them after", async () => {
    const socket = await connectClient(node.url, bob.token);
    const ticket = (await api.post(`/chat/${s2}/yjs-ticket`, undefined, bob.token)).body.ticket;
    const ws = new WebSocket(
      `${node.url.replace(/^http/, "ws")}/yjs/${encodeURIComponent(yjsRoom(s2))}?ticket=${ticket}`,
      { headers: { origin: node.url } },
    );
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const socketGone = new Promise((resolve) => socket.once("disconnect", resolve));
    const wsGone = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    const res = await api.patch(`/admin/users/${bob.user.id}`, { isActive: false }, admin.token);
    expect(res.status).toBe(200);
    expect(res.body.isActive).toBe(false);
    await socketGone;
    // A deactivated account is a revoked login (PROTOCOL "Yjs": 4401).
    expect(await wsGone).toBe(4401);
    expect((await api.get("/chat/", bob.token)).status).toBe(401);
    expect(
      (await api.post("/auth/login", { login: "bob", password: "correct horse battery" })).status,
    ).toBe(401);
    await expect(connectClient(node.url, bob.token)).rejects.toThrow();
    const back = await api.patch(`/admin/users/${bob.user.id}`, { isActive: true }, admin.token);
    expect(back.body.isActive).toBe(true);
    // Deactivation ended bob's sign-ins: the old token stays dead, a new sign-in works.
    expect((await api.get("/chat/", bob.token)).status).toBe(401);
    const again = await api.post("/auth/login", {
      login: "bob",
      password: "correct horse battery",
    });
    expect(again.status).toBe(200);
    expect((await api.get("/chat/", again.body.accessToken)).status).toBe(200);
  });
});

/**
 * Known data, written straight to the tables: alice asked 20 answers of groq/m1 on
 * 2 March (ttft 100…2000 ms, duration twice that, 10 + 5 tokens each); bob asked
 * two of local/m2 on 4 March; four user messages in range (one at KNOWN), one before.
 */
async function seed(
  node: RealtimeNode,
  ids: { alice: string; bob: string; s1: string; s2: string },
): Promise<void> {
  const { ChatMessage, AppEvent } = node.ctx.db.models;
  const at = (iso: string) => new Date(iso);
  const user = (authorId: string, sessionId: string, createdAt: Date) => ({
    sessionId,
    authorId,
    role: "user" as const,
    content: "hi",
    metadata: {},
    createdAt,
    updatedAt: createdAt,
  });
  const answer = (
    askerId: string,
    sessionId: string,
    createdAt: Date,
    provider: string,
    model: string,
    ttftMs: number,
    promptTokens: number,
    completionTokens: number,
  ) => ({
    sessionId,
    authorId: null,
    role: "assistant" as const,
    content: "ok",
    metadata: { provider, model, usage: { promptTokens, completionTokens }, ttftMs },
    aiProvider: provider,
    aiModel: model,
    askerId,
    promptTokens,
    completionTokens,
    ttftMs,
    durationMs: ttftMs * 2,
    createdAt,
    updatedAt: createdAt,
  });
  await ChatMessage.bulkCreate([
    user(ids.alice, ids.s1, at("2026-02-20T10:00:00Z")),
    user(ids.alice, ids.s1, at("2026-03-02T09:00:00Z")),
    user(ids.alice, ids.s1, at("2026-03-02T09:05:00Z")),
    user(ids.alice, ids.s1, at("2026-03-04T10:00:00Z")),
    user(ids.bob, ids.s2, KNOWN),
    ...Array.from({ length: 20 }, (_, i) =>
      answer(
        ids.alice,
        ids.s1,
        at(`2026-03-02T12:${String(i).padStart(2, "0")}:00Z`),
        "groq",
        "m1",
        (i + 1) * 100,
        10,
        5,
      ),
    ),
    answer(ids.bob, ids.s2, at("2026-03-04T23:31:00Z"), "local", "m2", 300, 30, 20),
    answer(ids.bob, ids.s2, at("2026-03-04T23:32:00Z"), "local", "m2", 400, 30, 20),
  ]);
  const event = (
    kind: "auth_failure" | "db_error" | "ai_failure",
    iso: string,
    detail: string,
    provider: string | null = null,
  ) => ({
    kind,
    detail,
    provider,
    userId: null,
    createdAt: at(iso),
  });
  await AppEvent.bulkCreate([
    event("auth_failure", "2026-03-02T01:00:00Z", "login"),
    event("auth_failure", "2026-03-02T02:00:00Z", "token"),
    event("db_error", "2026-03-03T02:00:00Z", "unavailable"),
    event("ai_failure", "2026-03-02T12:00:00Z", "error", "groq"),
    event("ai_failure", "2026-03-02T12:01:00Z", "error", "groq"),
    event("ai_failure", "2026-03-02T12:02:00Z", "rate_limited", "groq"),
    event("ai_failure", "2026-03-04T12:02:00Z", "error", "local"),
  ]);
}
