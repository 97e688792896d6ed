import {
  addMember,
  type CreateResult,
  createDb,
  createMessages,
  createSession,
  createUser,
  type Db,
  isUnavailableError,
} from "@engunity/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../../test/support/postgres";
import { waitFor } from "../../test/support/sockets";

/**
 * Group commit on Postgres (db/src/commands/sendGroupCommit.ts): sends of one session
 * that arrive while its statement is in flight go in the next statement together,
 * each still with its own membership check, `clientId` conflict and count.
 */
describe("message:send group commit on postgres", () => {
  let db: Db;
  let drop: () => Promise<void>;
  let dbUrl: string;
  let sessionId: string;
  const users: Record<string, string> = {};
  const statements: string[] = [];

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    dbUrl = database.url;
    db = createDb({ databaseUrl: database.url, poolMax: 4 });
    await db.migrate();
    for (const name of ["owner", "editor", "viewer", "outsider"]) {
      const user = await createUser(db, {
        username: name,
        email: `${name}@example.test`,
        hashedPassword: "x",
      });
      users[name] = user.id;
    }
    sessionId = (await createSession(db, users.owner!, "group")).id;
    await addMember(db, sessionId, users.editor!, "editor");
    await addMember(db, sessionId, users.viewer!, "viewer");
    const options = (db.sequelize as unknown as { options: { logging: unknown } }).options;
    options.logging = (sql: string) => {
      if (/INSERT INTO chat_messages/.test(sql)) statements.push(sql);
    };
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  const send = (userId: string, clientId: string, ai = false): Promise<CreateResult> =>
    createMessages(
      db,
      [
        { sessionId, authorId: userId, role: "user", content: clientId, clientId },
        ...(ai ? [{ sessionId, authorId: null, role: "assistant" as const, content: "" }] : []),
      ],
      { writer: { userId, roles: ["owner", "editor"] } },
    );

  it("stores every concurrent send once, in fewer statements, each with its own outcome and count", async () => {
    statements.length = 0;
    const before = (await db.models.ChatSession.findByPk(sessionId))!.messageCount;
    const results = await Promise.all([
      send(users.owner!, "g-1"),
      send(users.editor!, "g-2", true),
      send(users.viewer!, "g-3"), // refused: a viewer
      send(users.outsider!, "g-4"), // refused: no member
      send(users.owner!, "g-5"),
      send(users.editor!, "g-2"), // the retry of g-2, racing it
      ...Array.from({ length: 20 }, (_, i) => send(users.owner!, `g-many-${i}`)),
    ]);
    // Coalesced: the first goes alone, the rest wait and go together.
    expect(statements.length).toBeLessThan(6);
    expect(results[2]).toEqual({ refused: true, role: "viewer" });
    expect(results[3]).toEqual({ refused: true, role: null });
    const stored = results.filter((r) => !r.refused && r.created);
    expect(stored).toHaveLength(23); // 26 sends less two refusals and one retry
    const retry = results[5]!;
    expect(!retry.refused && retry.created).toBe(false);
    const first = results[1]!;
    if (first.refused || retry.refused) throw new Error("unexpected refusal");
    expect(retry.messages.map((m) => m.id)).toEqual(first.messages.map((m) => m.id));
    // Every stored send saw its own count: distinct, consecutive per rows, ending at the row's.
    const after = (await db.models.ChatSession.findByPk(sessionId))!.messageCount;
    expect(after).toBe(before + 24); // 23 sends, one with an answer placeholder
    const counts = stored
      .map((r) => (r.refused ? 0 : r.session!.messageCount))
      .sort((a, b) => a - b);
    expect(new Set(counts).size).toBe(23);
    expect(counts.at(-1)).toBe(after);
    expect(await db.models.ChatMessage.count({ where: { sessionId } })).toBe(before + 24);
    const placeholder = first.messages[1]!;
    expect(first.messages[0]!.metadata).toMatchObject({ assistantMessageId: placeholder.id });
    expect(await db.models.ChatMessage.findByPk(placeholder.id)).not.toBeNull();
  });

  it("a send whose row breaks a constraint fails alone; the others of its statement are stored", async () => {
    const before = await db.models.ChatMessage.count({ where: { sessionId } });
    const gone = "00000000-0000-4000-8000-000000000000"; // no such user: the author key fails
    const results = await Promise.allSettled([
      send(users.owner!, "c-0"),
      send(users.owner!, "c-1"),
      createMessages(db, [
        { sessionId, authorId: gone, role: "user", content: "x", clientId: "c-bad" },
      ]),
      send(users.editor!, "c-2"),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect(await db.models.ChatMessage.count({ where: { sessionId } })).toBe(before + 3);
  });

  it("moves the session's activity to the last send stored, not to a refused one after it", async () => {
    const [, second, refused] = await Promise.all([
      send(users.owner!, "t-1"),
      send(users.owner!, "t-2"),
      send(users.viewer!, "t-3"),
    ]);
    expect(refused).toEqual({ refused: true, role: "viewer" });
    if (second!.refused) throw new Error("unexpected refusal");
    const session = (await db.models.ChatSession.findByPk(sessionId))!;
    expect(session.activityAt.getTime()).toBe(second!.messages[0]!.createdAt.getTime());
  });

  it("refuses a send as unavailable once 1,024 wait behind a stuck statement; the waiting ones are stored", async () => {
    const before = await db.models.ChatMessage.count({ where: { sessionId } });
    // Another connection holds the session row: the session's statement waits on its lock.
    const lock = await db.sequelize.transaction();
    await db.sequelize.query("SELECT 1 FROM chat_sessions WHERE id = :sessionId FOR UPDATE", {
      replacements: { sessionId },
      transaction: lock,
    });
    const inFlight = send(users.owner!, "q-first");
    await waitFor(async () => {
      const [rows] = await db.sequelize.query(
        // Not in `lock`: a transaction sees one snapshot of pg_stat_activity.
        "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
      );
      return rows.length > 0;
    }, "the session's statement to wait on the lock");
    const waiting = Array.from({ length: 1024 }, (_, i) => send(users.owner!, `q-${i}`));
    // Refused at once; a send queued instead would wait for the lock (bounded here).
    const refused = await Promise.race([
      send(users.owner!, "q-over").then(
        () => "stored",
        (err: unknown) => err,
      ),
      new Promise((resolve) => setTimeout(() => resolve("queued"), 5_000)),
    ]);
    await lock.commit();
    expect(isUnavailableError(refused)).toBe(true);
    const results = await Promise.all([inFlight, ...waiting]);
    expect(results.every((r) => !r.refused && r.created)).toBe(true);
    expect(await db.models.ChatMessage.count({ where: { sessionId } })).toBe(before + 1025);
  });

  it("prepares a lone send's statement once per connection and runs it bound after", async () => {
    // One connection, so the prepared statements read are the sends'.
    const single = createDb({ databaseUrl: dbUrl, poolMax: 1 });
    try {
      const sendOn = (clientId: string) =>
        createMessages(
          single,
          [{ sessionId, authorId: users.owner!, role: "user", content: clientId, clientId }],
          { writer: { userId: users.owner!, roles: ["owner", "editor"] } },
        );
      const first = await sendOn("p-1");
      const second = await sendOn("p-2");
      expect([first.refused, second.refused]).toEqual([undefined, undefined]);
      const [prepared] = (await single.sequelize.query(
        "SELECT name, statement FROM pg_prepared_statements",
      )) as [{ name: string; statement: string }[], unknown];
      const sends = prepared.filter((p) => p.name.startsWith("send_"));
      expect(sends).toHaveLength(1);
      expect(sends[0]!.statement).toContain("INSERT INTO chat_messages");
      const stored = await db.models.ChatMessage.findAll({
        where: { sessionId, clientId: ["p-1", "p-2"] },
      });
      expect(stored.map((m) => m.content).sort()).toEqual(["p-1", "p-2"]);
      expect(stored[0]!.metadata).toEqual({});
      // A migration that changes a column the statement returns: its prepared plan is
      // re-planned, and the result's types are the statement's own casts, not the table's.
      await db.sequelize.query("ALTER TABLE chat_sessions ALTER COLUMN message_count TYPE bigint");
      await db.sequelize.query("ALTER TABLE session_members ALTER COLUMN role TYPE varchar(32)");
      const after = await sendOn("p-3");
      if (after.refused || !after.created) throw new Error("the send after the migration failed");
      expect(after.session!.messageCount).toBe(
        second.refused ? 0 : second.session!.messageCount + 1,
      );
    } finally {
      await single.close();
    }
  });
});
