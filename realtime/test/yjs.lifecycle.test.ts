import pg from "pg";
import { ForeignKeyConstraintError } from "sequelize";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { DocStore } from "../src/yjs/docStore";
import { connectClient, getTicket, rawConnect, storedDoc, waitFor } from "./yjsClients";

/** Restarts, failing stores and compaction: the doc survives all of them exactly. */
describe("Yjs lifecycle (Postgres + Redis)", () => {
  let stack: TestStack;
  let api: ApiClient;
  let alice: { user: { id: string }; token: string };
  let bob: { user: { id: string }; token: string };

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true });
    const node = await stack.startNode();
    api = apiClient(node.url);
    alice = await api.register("alice");
    bob = await api.register("bob");
  });
  afterAll(() => stack?.close());

  async function newSession(title: string): Promise<string> {
    const id = (await api.post("/chat/sessions", { title }, alice.token)).body.id as string;
    await api.post(`/chat/${id}/members`, { username: "bob", role: "editor" }, alice.token);
    return id;
  }

  it("restarting every node brings the doc back exactly, and the title column equals the Yjs title", async () => {
    const sessionId = await newSession("Before restart");
    const [a, b] = [stack.nodes[0]!, await stack.startNode()];
    const ca = await connectClient(api, a.url, sessionId, alice.token);
    const cb = await connectClient(api, b.url, sessionId, bob.token);
    ca.doc.getText("draft").insert(0, "first line\n");
    cb.doc.getText("draft").insert(0, "bob: ");
    cb.doc.getText("title").insert(0, "Roadmap — ");
    ca.doc.getText("title").delete(ca.title().length - 7, 7);
    await waitFor(
      () => ca.draft() === cb.draft() && ca.title() === cb.title() && ca.draft().length === 16,
      "converged",
    );
    const expected = { title: ca.title(), draft: ca.draft(), sv: Y.encodeStateVector(ca.doc) };

    // Close both nodes while the clients are still connected: shutdown stores the doc
    // and flushes the debounced title mirror.
    await Promise.all([a.close(), b.close()]);
    ca.destroy();
    cb.destroy();

    const [a2, b2] = [await stack.startNode(), await stack.startNode()];
    const api2 = apiClient(b2.url);
    const session = (await api2.get(`/chat/${sessionId}`, alice.token)).body.session;
    const c1 = await connectClient(api2, a2.url, sessionId, alice.token);
    const c2 = await connectClient(api2, b2.url, sessionId, bob.token);
    for (const c of [c1, c2]) {
      expect({ title: c.title(), draft: c.draft(), sv: Y.encodeStateVector(c.doc) }).toEqual(
        expected,
      );
    }
    expect(session.title).toBe(expected.title);
    c1.destroy();
    c2.destroy();
    api = api2;
  });

  it("a message sent through another node leaves the draft; a rename reaches the doc's clients", async () => {
    const sessionId = await newSession("Cross node");
    const [a, b] = stack.nodes.slice(-2);
    const client = await connectClient(api, b!.url, sessionId, bob.token);
    client.doc.getText("draft").insert(0, "typed on B");
    const room = `session:${sessionId}`;
    await waitFor(async () => {
      const rows = await a!.ctx.db.models.YjsUpdate.findAll({ where: { docName: room } });
      return (await storedDoc(rows)).getText("draft").toString() === "typed on B";
    }, "draft stored");
    const viaA = apiClient(a!.url);
    expect(
      (await viaA.post("/chat/", { sessionId, content: "sent", ai: false }, alice.token)).status,
    ).toBe(200);
    // The server never clears the draft on send (the sending client deletes what it sent).
    expect(
      (await viaA.patch(`/chat/${sessionId}`, { title: "Renamed on A" }, alice.token)).status,
    ).toBe(200);
    await waitFor(() => client.title() === "Renamed on A", "rename reaches node B's client");
    expect(client.draft()).toBe("typed on B");
    client.destroy();
  });

  it("a member demoted to viewer stops writing once roles are re-read", async () => {
    const sessionId = await newSession("Demotion");
    const [a, b] = stack.nodes.slice(-2);
    const owner = await connectClient(api, a!.url, sessionId, alice.token);
    const demoted = await connectClient(api, b!.url, sessionId, bob.token);
    demoted.doc.getText("draft").insert(0, "editor ");
    await waitFor(() => owner.draft() === "editor ", "editor's edit arrives");
    const patched = await api.patch(
      `/chat/${sessionId}/members/${bob.user.id}`,
      { role: "viewer" },
      alice.token,
    );
    expect(patched.status).toBe(200);
    await b!.yjs.refreshRoles();
    demoted.doc.getText("draft").insert(0, "viewer ");
    owner.doc.getText("draft").insert(owner.draft().length, "owner");
    // The owner's later edit reaches the demoted member; the demoted member's never arrives.
    await waitFor(
      () => demoted.draft() === "viewer editor owner",
      "owner's edit reaches the viewer",
    );
    await b!.yjs.registry.get(`session:${sessionId}`)!.persister.flush();
    expect(owner.draft()).toBe("editor owner");
    expect(b!.yjs.registry.get(`session:${sessionId}`)!.doc.getText("draft").toString()).toBe(
      "editor owner",
    );
    owner.destroy();
    demoted.destroy();
  });

  it("keeps a doc in memory while its rows cannot be stored, and stores them once the database takes them", async () => {
    const sessionId = await newSession("Flaky disk");
    const room = `session:${sessionId}`;
    const node = stack.nodes.at(-1)!;
    const admin = new pg.Client({ connectionString: stack.env.DATABASE_URL });
    await admin.connect();
    try {
      const client = await connectClient(api, node.url, sessionId, alice.token);
      await admin.query(`
        CREATE FUNCTION refuse_yjs() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql;
        CREATE TRIGGER refuse_yjs BEFORE INSERT ON yjs_updates FOR EACH ROW EXECUTE FUNCTION refuse_yjs();`);
      const failuresBefore =
        (await node.ctx.metrics.yjsPersistFailures.get()).values[0]?.value ?? 0;
      client.doc.getText("draft").insert(0, "must not be lost");
      client.destroy();
      await waitFor(
        async () =>
          ((await node.ctx.metrics.yjsPersistFailures.get()).values[0]?.value ?? 0) >
          failuresBefore + 1,
        "store retried after failing",
      );
      expect(node.yjs.registry.get(room)?.doc.getText("draft").toString()).toBe("must not be lost");
      await admin.query("DROP TRIGGER refuse_yjs ON yjs_updates; DROP FUNCTION refuse_yjs();");
      await waitFor(
        () => node.yjs.registry.get(room) === undefined,
        "doc unloaded once stored",
        10_000,
      );
      const rows = await node.ctx.db.models.YjsUpdate.findAll({ where: { docName: room } });
      expect((await storedDoc(rows)).getText("draft").toString()).toBe("must not be lost");
    } finally {
      await admin.query(
        "DROP TRIGGER IF EXISTS refuse_yjs ON yjs_updates; DROP FUNCTION IF EXISTS refuse_yjs();",
      );
      await admin.end();
    }
  });

  it("refuses a connection with 503 while the doc cannot be read, and serves it once it can", async () => {
    const sessionId = await newSession("Unreadable");
    const node = stack.nodes.at(-1)!;
    const admin = new pg.Client({ connectionString: stack.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query("ALTER TABLE yjs_updates RENAME TO yjs_updates_away");
      const ticket = await getTicket(api, sessionId, alice.token);
      expect((await rawConnect(node.url, `session:${sessionId}`, `?ticket=${ticket}`)).status).toBe(
        503,
      );
      expect(node.yjs.registry.get(`session:${sessionId}`)).toBeUndefined();
      await admin.query("ALTER TABLE yjs_updates_away RENAME TO yjs_updates");
      const client = await connectClient(api, node.url, sessionId, alice.token);
      expect(client.title()).toBe("Unreadable");
      client.destroy();
    } finally {
      await admin.query("ALTER TABLE IF EXISTS yjs_updates_away RENAME TO yjs_updates");
      await admin.end();
    }
  });

  it("compacts idempotently: two nodes merging the same rows at once lose nothing", async () => {
    const sessionId = await newSession("Compaction");
    const room = `session:${sessionId}`;
    const db = stack.nodes.at(-1)!.ctx.db;
    const store = new DocStore(db, 4);
    const author = new Y.Doc();
    const updates: Uint8Array[] = [];
    author.on("update", (u: Uint8Array) => updates.push(u));
    for (let i = 0; i < 12; i++)
      author.getText("draft").insert(author.getText("draft").length, `${i},`);
    author.getText("draft").delete(0, 3);
    for (const u of updates) await store.append(room, sessionId, u);

    // Both "nodes" read the same rows; a new row lands after the reads.
    const [seenByA, seenByB] = await Promise.all([store.load(room), store.load(room)]);
    author.getText("title").insert(0, "late");
    await store.append(
      room,
      sessionId,
      Y.encodeStateAsUpdate(author, Y.encodeStateVectorFromUpdate(seenByA.update!)),
    );
    await Promise.all([
      store.compact(room, sessionId, seenByA),
      store.compact(room, sessionId, seenByB),
    ]);

    const rows = await db.models.YjsUpdate.findAll({ where: { docName: room } });
    expect(rows.length).toBeLessThanOrEqual(3);
    const stored = await storedDoc(rows);
    expect(stored.getText("draft").toString()).toBe(author.getText("draft").toString());
    expect(stored.getText("title").toString()).toBe("late");
  });

  it("appends rows with a plain statement that reads back as written, and refuses a deleted session's", async () => {
    const sessionId = await newSession("Appended");
    const room = `session:${sessionId}`;
    const db = stack.nodes.at(-1)!.ctx.db;
    const store = new DocStore(db, 100);
    const author = new Y.Doc();
    author.getText("draft").insert(0, "stored bytes");
    const whole = Y.encodeStateAsUpdate(author);
    // A view into a larger buffer: only its own bytes are stored.
    const padded = new Uint8Array(whole.length + 8);
    padded.set(whole, 4);
    await store.append(room, sessionId, padded.subarray(4, 4 + whole.length));
    const rows = await db.models.YjsUpdate.findAll({ where: { docName: room } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sessionId).toBe(sessionId);
    expect(rows[0]!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(rows[0]!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    expect((await storedDoc(rows)).getText("draft").toString()).toBe("stored bytes");
    expect((await store.load(room)).ids).toEqual([Number(rows[0]!.id)]);
    // DocPersister discards a doc whose session is gone on exactly this error.
    const gone = await newSession("Gone");
    expect((await api.del(`/chat/${gone}`, alice.token)).status).toBe(204);
    await expect(store.append(`session:${gone}`, gone, whole)).rejects.toBeInstanceOf(
      ForeignKeyConstraintError,
    );
  });

  it("compacts a busy doc as it goes, keeping few rows", async () => {
    const node = await stack.startNode({ YJS_COMPACT_AFTER_ROWS: "5" });
    const sessionId = await newSession("Busy");
    const room = `session:${sessionId}`;
    const client = await connectClient(api, node.url, sessionId, alice.token);
    const held = node.yjs.registry.get(room)!;
    for (let i = 0; i < 30; i++) {
      client.doc.getText("draft").insert(0, `${i} `);
      await waitFor(
        () => held.doc.getText("draft").length === client.draft().length,
        "server has the edit",
      );
      await held.persister.flush();
    }
    const rows = await node.ctx.db.models.YjsUpdate.findAll({ where: { docName: room } });
    expect(rows.length).toBeLessThanOrEqual(6);
    expect((await storedDoc(rows)).getText("draft").toString()).toBe(client.draft());
    client.destroy();
  });
});
