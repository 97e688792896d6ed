import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";
import { connectClient as connectSocket } from "../../test/support/sockets";
import { closedWith, connectClient, storedDoc, waitFor } from "./yjsClients";

/** The Yjs endpoint on one node, embedded (SQLite, no Redis) and scaled (Postgres + Redis). */
describe.each<[DbKind, boolean]>([
  ["sqlite", false],
  ["postgres", true],
])("Yjs on one node (%s, redis %s)", (kind, redis) => {
  let stack: TestStack;
  let api: ApiClient;
  let url: string;
  let alice: { user: { id: string }; token: string };
  let bob: { user: { id: string }; token: string };
  let sessionId: string;

  beforeAll(async () => {
    stack = await createTestStack(kind, { redis });
    const node = await stack.startNode();
    url = node.url;
    api = apiClient(url);
    alice = await api.register("alice");
    bob = await api.register("bob");
    sessionId = (await api.post("/chat/sessions", { title: "Planning" }, alice.token)).body.id;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "editor" }, alice.token);
  });
  afterAll(() => stack?.close());

  it("seeds the title from the session, syncs edits between clients and stores them", async () => {
    const a = await connectClient(api, url, sessionId, alice.token);
    const b = await connectClient(api, url, sessionId, bob.token);
    expect(a.title()).toBe("Planning");
    a.doc.getText("draft").insert(0, "hello ");
    b.doc.getText("draft").insert(0, "world");
    await waitFor(() => a.draft() === b.draft() && a.draft().length === 11, "drafts converge");
    a.destroy();
    b.destroy();
    const node = stack.nodes[0]!;
    await waitFor(() => node.yjs.registry.size === 0, "doc unloaded");
    const rows = await node.ctx.db.models.YjsUpdate.findAll({
      where: { docName: `session:${sessionId}` },
    });
    const stored = await storedDoc(rows);
    expect(stored.getText("draft").toString()).toBe(a.draft());
    expect(stored.getText("title").toString()).toBe("Planning");
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^engunity_yjs_open_docs 0$/m);
    expect(metrics).toMatch(/^engunity_yjs_connections 0$/m);
    expect(metrics).toMatch(/^engunity_yjs_update_bytes_total\{source="local"\} [1-9]/m);
    expect(metrics).toMatch(/^engunity_yjs_persist_failures_total 0$/m);
  });

  it("mirrors a co-edited title to the session row, and applies a REST rename to the doc", async () => {
    const socket = await connectSocket(url, alice.token);
    expect((await socket.timeout(5_000).emitWithAck("session:join", { sessionId })).ok).toBe(true);
    const announced = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no session:updated")), 5_000);
      socket.on("session:updated", ({ session }) => {
        if (session.title !== "Planning Q3") return;
        clearTimeout(timer);
        resolve(session.title);
      });
    });
    const a = await connectClient(api, url, sessionId, alice.token);
    a.doc.getText("title").insert(a.title().length, " Q3");
    expect(await announced).toBe("Planning Q3");
    socket.close();
    await waitFor(
      async () =>
        (await api.get(`/chat/${sessionId}`, alice.token)).body.session.title === "Planning Q3",
      "title mirrored",
    );
    const renamed = await api.patch(`/chat/${sessionId}`, { title: "Roadmap" }, bob.token);
    expect(renamed.status).toBe(200);
    await waitFor(() => a.title() === "Roadmap", "rename reaches the doc");
    a.destroy();
  });

  it("cuts a title longer than the title limit, in the doc and the column alike", async () => {
    const a = await connectClient(api, url, sessionId, alice.token);
    const b = await connectClient(api, url, sessionId, bob.token);
    a.doc.getText("title").insert(0, "x".repeat(300));
    await waitFor(() => a.title().length === 200 && b.title() === a.title(), "title cut to 200");
    await waitFor(
      async () =>
        (await api.get(`/chat/${sessionId}`, alice.token)).body.session.title === a.title(),
      "column equals the doc",
    );
    a.doc.getText("title").delete(0, a.title().length);
    a.doc.getText("title").insert(0, "Roadmap");
    await waitFor(() => b.title() === "Roadmap", "title restored");
    a.destroy();
    b.destroy();
  });

  it("never clears the draft on send: the sender deletes what it sent, later keys survive", async () => {
    const a = await connectClient(api, url, sessionId, alice.token);
    const b = await connectClient(api, url, sessionId, bob.token);
    b.doc.getText("draft").delete(0, b.draft().length);
    b.doc.getText("draft").insert(0, "let us ask @ai");
    await waitFor(() => a.draft() === "let us ask @ai", "draft shared");
    // What a's web app does on Enter: read the draft, delete exactly that, send it.
    const content = a.draft();
    a.doc.getText("draft").delete(0, content.length);
    // b keeps typing before a's delete reached it: those keys are not a's to delete.
    b.doc.getText("draft").insert(b.draft().length, " and more");
    const sent = await api.post("/chat/", { sessionId, content, ai: false }, alice.token);
    expect(sent.status).toBe(200);
    await waitFor(() => a.draft() === " and more" && b.draft() === " and more", "converged");
    // The server's send adds no edit of its own: the next stored state is the same.
    const node = stack.nodes[0]!;
    await waitFor(
      () =>
        node.yjs.registry.get(`session:${sessionId}`)?.doc.getText("draft").toString() ===
        " and more",
      "server copy",
    );
    a.destroy();
    b.destroy();
  });

  it("closes everyone's connection when the session is deleted, and keeps nothing of the doc", async () => {
    const doomed = (await api.post("/chat/sessions", { title: "Doomed" }, alice.token)).body.id;
    const room = `session:${doomed}`;
    const a = await connectClient(api, url, doomed, alice.token);
    a.doc.getText("draft").insert(0, "soon gone");
    const node = stack.nodes[0]!;
    await waitFor(
      () => node.yjs.registry.get(room)?.doc.getText("draft").length === 9,
      "server has it",
    );
    await node.yjs.registry.get(room)!.persister.flush();
    a.provider.shouldConnect = false;
    const closed = closedWith(a.provider.ws as unknown as import("ws").WebSocket);
    expect((await api.del(`/chat/${doomed}`, alice.token)).status).toBe(204);
    expect(await closed).toBe(4403);
    await waitFor(() => node.yjs.registry.get(room) === undefined, "doc unloaded");
    expect(await node.ctx.db.models.YjsUpdate.count({ where: { docName: room } })).toBe(0);
    a.destroy();
  });
});
