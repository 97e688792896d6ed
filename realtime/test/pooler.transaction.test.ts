import { createDb, createMessages, createSession, createUser } from "@engunity/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type RunningPgBouncer, startPgBouncer } from "../../test/support/pgbouncer";
import { connectClient, emitAck } from "../../test/support/sockets";

/**
 * Behind a transaction pooler (PgBouncer's transaction mode, Supavisor's port 6543),
 * consecutive statements of one client connection run on different server connections.
 * `DATABASE_POOLER=transaction` keeps the nodes working there: no named prepared
 * statements, and migrations refused rather than run under a lock that cannot hold.
 */
describe("behind a transaction pooler (real PgBouncer)", () => {
  let stack: TestStack;
  let bouncer: RunningPgBouncer;
  let pooled: string;

  beforeAll(async () => {
    stack = await createTestStack("postgres", { worker: false });
    bouncer = await startPgBouncer();
    pooled = bouncer.through(stack.env.DATABASE_URL!);
  });
  afterAll(async () => {
    await stack?.close();
    await bouncer?.stop();
  });

  it("refuses to start with migrations pending, saying how to run them", async () => {
    await expect(
      stack.startNode({ DATABASE_URL: pooled, DATABASE_POOLER: "transaction" }),
    ).rejects.toThrow(/migration\(s\) pending .*npm run db:migrate.*direct/);
    const direct = createDb({ databaseUrl: stack.env.DATABASE_URL });
    try {
      expect(await direct.pendingMigrations()).not.toEqual([]);
    } finally {
      await direct.close();
    }
  });

  it("connects, joins and stores every send, one after another and at once", async () => {
    const direct = createDb({ databaseUrl: stack.env.DATABASE_URL });
    await direct.migrate();
    await direct.close();
    const node = await stack.startNode({ DATABASE_URL: pooled, DATABASE_POOLER: "transaction" });
    const api = apiClient(node.url);
    const ann = await api.register("ann");
    const created = await api.post("/chat/sessions", { title: "pooled" }, ann.token);
    expect(created.status).toBe(201);
    const sessionId = created.body.id as string;
    const socket = await connectClient(node.url, ann.token);
    try {
      await emitAck(socket, "session:join", { sessionId });
      await bouncer.openServerConnections(pooled, 2);
      const one = (i: number) =>
        emitAck(socket, "message:send", { sessionId, content: `m${i}`, clientId: `c-${i}` });
      const acks = [];
      for (let i = 0; i < 8; i++) acks.push(await one(i));
      acks.push(...(await Promise.all(Array.from({ length: 8 }, (_, i) => one(8 + i)))));
      expect(acks.map((a) => a.error)).toEqual(Array(16).fill(undefined));
      expect(
        await node.ctx.db.models.ChatMessage.count({ where: { sessionId, role: "user" } }),
      ).toBe(16);
      // A retried send still answers with its message, stored once.
      const again = await one(3);
      expect(again.message.id).toBe(acks[3].message.id);
      expect(
        await node.ctx.db.models.ChatMessage.count({ where: { sessionId, role: "user" } }),
      ).toBe(16);
    } finally {
      socket.close();
    }
  });

  it("without DATABASE_POOLER=transaction, the prepared send breaks there (the case it is for)", async () => {
    const db = createDb({ databaseUrl: pooled, poolMax: 1 });
    try {
      const user = await createUser(db, {
        username: "bo",
        email: "bo@example.test",
        hashedPassword: "x",
      });
      const sessionId = (await createSession(db, user.id, "prepared")).id;
      const send = (clientId: string) =>
        createMessages(
          db,
          [{ sessionId, authorId: user.id, role: "user", content: clientId, clientId }],
          { writer: { userId: user.id, roles: ["owner", "editor"] } },
        );
      // Two server connections idle, so the next two statements take one each.
      await bouncer.openServerConnections(pooled, 2);
      await send("p-1");
      await expect(send("p-2")).rejects.toThrow(/prepared statement/);
    } finally {
      await db.close();
    }
  });
});
