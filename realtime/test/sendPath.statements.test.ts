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
  let ownerToken: string;
  const statements: string[] = [];
  let counting = false;

  beforeAll(async () => {
    stack = await createTestStack(kind, { worker: false });
    node = await stack.startNode();
    api = apiClient(node.url);
    const alice = await api.register("alice");
    ownerToken = alice.token;
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

  const kindOf = (s: string) =>
    /^Executing \([\w-]+\): (?:\/\*.*?\*\/ )?(\w+)/i.exec(s)?.[1]?.toUpperCase() ?? "?";
  const writesOf = (sql: string[]) =>
    sql.flatMap((s) =>
      [...s.matchAll(/(INSERT INTO|UPDATE) [`"]?(\w+)/g)].map((m) => `${m[1]} ${m[2]}`),
    );

  // The membership the INSERT itself checks (Postgres: the statement's first CTE;
  // SQLite: the read inside the transaction).
  const checksMembership = (s: string) => /FROM [`"]?session_members/i.test(s);

  it("a first send: one membership read (authorizeAccess), then the write, which checks the membership again", async () => {
    const sql = await count({ content: "hello", clientId: "cost-1", ai: false });
    if (process.env.PRINT_SQL) console.log(sql.map((s) => s.slice(0, 90)).join("\n"));
    const reads = sql.filter((s) => kindOf(s) === "SELECT");
    expect(reads[0]).toMatch(/session_members/i);
    // No pre-check for the clientId (the INSERT meets the unique index), no re-read of
    // the session or of the rows written.
    expect(sql.some((s) => /FROM [`"]?chat_messages/i.test(s))).toBe(false);
    expect(sql.some((s) => /yjs_updates/i.test(s))).toBe(false);
    expect(writesOf(sql)).toEqual(["INSERT INTO chat_messages", "UPDATE chat_sessions"]);
    expect(
      sql.filter((s) => /ON CONFLICT \(session_id, author_id, client_id\) DO NOTHING/i.test(s)),
    ).toHaveLength(1);
    // Postgres: one statement after the read (data-modifying CTEs); SQLite: a transaction.
    expect(sql.map(kindOf)).toEqual(
      kind === "postgres"
        ? ["SELECT", "WITH"]
        : ["SELECT", "BEGIN", "SELECT", "INSERT", "UPDATE", "COMMIT"],
    );
  });

  it("every further send: the write alone, the membership checked inside it (the access is cached)", async () => {
    const sql = await count({ content: "again", clientId: "cost-2", ai: false });
    if (process.env.PRINT_SQL) console.log(sql.map((s) => s.slice(0, 90)).join("\n"));
    expect(sql.map(kindOf)).toEqual(
      kind === "postgres" ? ["WITH"] : ["BEGIN", "SELECT", "INSERT", "UPDATE", "COMMIT"],
    );
    // The only membership read is the write's own, in the same statement (Postgres) or
    // transaction (SQLite) as the INSERT: no separate read decides who may write.
    expect(sql.filter(checksMembership)).toHaveLength(1);
    if (kind === "postgres") expect(sql[0]).toMatch(/INSERT INTO chat_messages/);
    expect(writesOf(sql)).toEqual(["INSERT INTO chat_messages", "UPDATE chat_sessions"]);
  });

  it("a send that asks the AI: one INSERT of both rows, one session UPDATE, nothing else", async () => {
    const sql = await count({ content: "@ai hi", clientId: "cost-ai", ai: true });
    expect(sql.filter(checksMembership)).toHaveLength(1);
    expect(sql.some((s) => /FROM [`"]?chat_messages/i.test(s))).toBe(false);
    expect(writesOf(sql)).toEqual(
      kind === "postgres"
        ? ["INSERT INTO chat_messages", "INSERT INTO chat_messages", "UPDATE chat_sessions"]
        : ["INSERT INTO chat_messages", "UPDATE chat_sessions"],
    );
    expect(sql).toHaveLength(kind === "postgres" ? 1 : 5);
  });

  it("a retried send (same clientId) stores nothing and answers with the first copy", async () => {
    const before = await node.ctx.db.models.ChatMessage.count({ where: { sessionId } });
    const session = await node.ctx.db.models.ChatSession.findByPk(sessionId);
    const sql = await count({ content: "hello", clientId: "cost-1", ai: false });
    expect(await node.ctx.db.models.ChatMessage.count({ where: { sessionId } })).toBe(before);
    const after = await node.ctx.db.models.ChatSession.findByPk(sessionId);
    expect(after?.messageCount).toBe(session?.messageCount);
    // The conflict is found by the INSERT; only then is the stored copy read.
    expect(sql.filter((s) => /FROM [`"]?chat_messages/i.test(s))).toHaveLength(1);
    if (kind === "sqlite") expect(sql.map(kindOf)).toContain("ROLLBACK");
    else expect(sql.map(kindOf)).not.toContain("UPDATE");
  });

  it("the message acked is the one stored", async () => {
    statements.length = 0;
    const ack = await emitAck(socket, "message:send", {
      sessionId,
      content: "kept",
      clientId: "cost-kept",
      ai: false,
    });
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    const row = await node.ctx.db.models.ChatMessage.findByPk(ack.message.id);
    expect(row?.content).toBe("kept");
    expect(row?.clientId).toBe("cost-kept");
    expect(row?.createdAt.toISOString()).toBe(ack.message.createdAt);
    expect(row?.metadata).toEqual({});
  });

  it("a question comes before the answer stored with it, in history, every time", async () => {
    const sent: { question: string; answer: string }[] = [];
    for (let i = 0; i < 12; i++) {
      const ack = await emitAck(socket, "message:send", {
        sessionId,
        content: `@ai order ${i}`,
        clientId: `order-${i}`,
        ai: true,
      });
      expect(ack.ok).toBe(true);
      sent.push({ question: ack.message.id, answer: ack.assistantMessageId });
    }
    const ids: string[] = (
      await api.get(`/chat/${sessionId}?limit=100`, ownerToken)
    ).body.messages.map((m: { id: string }) => m.id);
    for (const { question, answer } of sent)
      expect(ids.indexOf(question)).toBe(ids.indexOf(answer) - 1);
  });
});
