import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";
import { type ClientSocket, connectClient, emitAck } from "../../test/support/sockets";
import type { RealtimeNode } from "../src";

/**
 * What one `message:send` costs the database, counted statement by statement (the
 * hot path: docs/ARCHITECTURE.md "The core flow"). A regression that reads the
 * membership or the session again, or re-reads the rows it just wrote, fails here.
 */
describe.each<DbKind>(["sqlite", "postgres"])("message:send statements on %s", (kind) => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;
  let socket: ClientSocket;
  let sessionId: string;
  const statements: string[] = [];
  let counting = false;

  beforeAll(async () => {
    stack = await createTestStack(kind, { worker: false });
    node = await stack.startNode();
    api = apiClient(node.url);
    const alice = await api.register("alice");
    const bob = await api.register("bob");
    sessionId = (await api.post("/chat/sessions", { title: "cost" }, alice.token)).body.id;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "editor" }, alice.token);
    void bob;
    socket = await connectClient(node.url, alice.token);
    await emitAck(socket, "session:join", { sessionId });
    // Sequelize reads `options.logging` on every query: count what runs while `counting`.
    const options = (node.ctx.db.sequelize as unknown as { options: { logging: unknown } }).options;
    options.logging = (sql: string) => {
      if (counting) statements.push(sql);
    };
  });
  afterAll(async () => {
    socket?.close();
    await stack?.close();
  });

  async function count(payload: object): Promise<string[]> {
    statements.length = 0;
    counting = true;
    const ack = await emitAck(socket, "message:send", { sessionId, ...payload });
    counting = false;
    expect(ack.ok).toBe(true);
    return [...statements];
  }

  it("a plain send: one membership read, no session re-read, no read-back of its rows", async () => {
    const sql = await count({ content: "hello", clientId: "cost-1", ai: false });
    if (process.env.PRINT_SQL) console.log(sql.map((s) => s.slice(0, 90)).join("\n"));
    const reads = sql.filter((s) => /^Executing \([\w-]+\): SELECT/i.test(s));
    const membershipReads = reads.filter((s) => /session_members/i.test(s));
    const sessionReads = reads.filter((s) => /FROM [`"]?chat_sessions/i.test(s));
    const messageReads = reads.filter((s) => /FROM [`"]?chat_messages/i.test(s));
    expect({
      membership: membershipReads.length,
      session: sessionReads.length,
      messages: messageReads.length,
    }).toEqual({ membership: 1, session: 0, messages: 1 });
    const writes = sql.filter((s) => /^Executing \([\w-]+\): (INSERT|UPDATE|DELETE)/i.test(s));
    expect(
      writes.map((s) => /(INSERT INTO|UPDATE) [`"]?(\w+)/.exec(s)?.slice(1).join(" ")),
    ).toEqual(["INSERT INTO chat_messages", "UPDATE chat_sessions"]);
  });

  it("a send that asks the AI: the same one read, two INSERTs, one session UPDATE", async () => {
    const sql = await count({ content: "@ai hi", clientId: "cost-ai", ai: true });
    const reads = sql.filter((s) => /^Executing \([\w-]+\): SELECT/i.test(s));
    expect(reads.filter((s) => /session_members/i.test(s))).toHaveLength(1);
    expect(reads.filter((s) => /FROM [`"]?chat_messages/i.test(s))).toHaveLength(1);
    const writes = sql.filter((s) => /^Executing \([\w-]+\): (INSERT|UPDATE|DELETE)/i.test(s));
    expect(
      writes.map((s) => /(INSERT INTO|UPDATE) [`"]?(\w+)/.exec(s)?.slice(1).join(" ")),
    ).toEqual(["INSERT INTO chat_messages", "INSERT INTO chat_messages", "UPDATE chat_sessions"]);
  });

  it("a retried send (same clientId) reads, writes nothing and announces nothing", async () => {
    const sql = await count({ content: "hello", clientId: "cost-1", ai: false });
    expect(sql.filter((s) => /^Executing \([\w-]+\): (INSERT|UPDATE|DELETE)/i.test(s))).toEqual([]);
  });
});
