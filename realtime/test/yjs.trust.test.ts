import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import * as Y from "yjs";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import type { RealtimeNode } from "../src";
import {
  closedWith,
  connectClient,
  getTicket,
  rawConnect,
  storedDoc,
  type TestClient,
  waitFor,
} from "./yjsClients";

function frame(type: number, body: Uint8Array, syncType?: number): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  if (syncType !== undefined) encoding.writeVarUint(e, syncType);
  encoding.writeVarUint8Array(e, body);
  return encoding.toUint8Array(e);
}
const updateFrame = (update: Uint8Array) => frame(0, update, 2);

/** An awareness frame with raw entries (what a hostile client can put on the wire). */
function awarenessFrame(entries: { clientId: number; clock: number; state: unknown }[]) {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(e, entry.clientId);
    encoding.writeVarUint(e, entry.clock);
    encoding.writeVarString(e, JSON.stringify(entry.state));
  }
  return frame(1, encoding.toUint8Array(e));
}

type Account = { user: { id: string; username: string }; token: string };

/**
 * The resync notices a stock y-websocket client receives (y-protocols auth "permission
 * denied", reason `resync:<why>`), read the way the web client's `onServerResync` does.
 */
function resyncNotices(client: TestClient): string[] {
  const seen: string[] = [];
  client.provider.messageHandlers[2] = (_encoder, decoder) => {
    if (decoding.readVarUint(decoder) !== 0) return;
    const reason = decoding.readVarString(decoder);
    if (reason.startsWith("resync:")) seen.push(reason.slice("resync:".length));
  };
  return seen;
}

/**
 * Findings 2, 4 and 8: a doc cannot be grown without bound (in pieces under the frame
 * cap, or through a shared type of its own), awareness speaks only for its
 * connection, and a demotion stops writes at once on every node.
 */
describe("Yjs limits, awareness and roles (Postgres + Redis, two nodes)", () => {
  let stack: TestStack;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  let api: ApiClient;
  let alice: Account;
  let bob: Account;
  let vera: Account;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true, worker: false });
    nodeA = await stack.startNode();
    nodeB = await stack.startNode({ YJS_UPDATES_PER_SECOND: "20" });
    api = apiClient(nodeA.url);
    alice = await api.register("alice");
    bob = await api.register("bob");
    vera = await api.register("vera");
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await stack?.close();
  });

  const newSession = async () => {
    const id = (await api.post("/chat/sessions", { title: "Budget" }, alice.token)).body.id;
    await api.post(`/chat/${id}/members`, { username: "bob", role: "editor" }, alice.token);
    await api.post(`/chat/${id}/members`, { username: "vera", role: "viewer" }, alice.token);
    return { id, room: `session:${id}` };
  };
  const raw = async (node: RealtimeNode, sessionId: string, who: Account) => {
    const res = await rawConnect(
      node.url,
      `session:${sessionId}`,
      `?ticket=${await getTicket(api, sessionId, who.token)}`,
    );
    if (!res.ws) throw new Error(`refused ${res.status}`);
    return res.ws;
  };
  const stored = async (room: string) => {
    for (const n of [nodeA, nodeB]) await n.yjs.registry.get(room)?.persister.flush();
    const rows = await nodeA.ctx.db.models.YjsUpdate.findAll({ where: { docName: room } });
    return {
      doc: await storedDoc(rows),
      bytes: rows.reduce((sum, r) => sum + r.data.byteLength, 0),
    };
  };

  it("refuses a draft grown past the message limit in pieces under the frame cap, and resyncs", async () => {
    const { id, room } = await newSession();
    const ws = await raw(nodeA, id, bob);
    const closed = closedWith(ws);
    // One client adding 20,000 characters at a time: each frame far under the 1 MB cap.
    const writer = new Y.Doc();
    let sent = 0;
    for (let i = 0; i < 5 && ws.readyState === ws.OPEN; i++) {
      const before = Y.encodeStateVector(writer);
      writer.getText("draft").insert(writer.getText("draft").length, "x".repeat(20_000));
      ws.send(updateFrame(Y.encodeStateAsUpdate(writer, before)));
      sent += 1;
    }
    expect(await closed).toBe(4413);
    expect(sent).toBeGreaterThanOrEqual(2);
    const held = nodeA.yjs.registry.get(room);
    expect(held?.doc.getText("draft").length ?? 20_000).toBeLessThanOrEqual(32_000);
    const after = await stored(room);
    expect(after.doc.getText("draft").length).toBeLessThanOrEqual(32_000);
    expect(after.bytes).toBeLessThan(200_000);
  });

  it("refuses any shared type but title and draft, and updates over the per-update budget", async () => {
    const { id, room } = await newSession();
    const blob = new Y.Doc();
    blob.getMap("blob").set("k", new Uint8Array(50_000));
    const nested = new Y.Doc();
    nested.getText("draft").insertEmbed(0, { image: "x".repeat(100) });
    const huge = new Y.Doc();
    huge.getText("draft").insert(0, "y".repeat(300_000));
    for (const update of [blob, nested, huge].map((d) => Y.encodeStateAsUpdate(d))) {
      const ws = await raw(nodeB, id, bob);
      const closed = closedWith(ws);
      ws.send(updateFrame(update));
      expect(await closed).toBe(4413);
    }
    const after = await stored(room);
    expect([...after.doc.share.keys()].filter((k) => k !== "title" && k !== "draft")).toEqual([]);
    expect(after.doc.getText("draft").length).toBe(0);
    expect(after.bytes).toBeLessThan(10_000);
    // An honest client still edits the doc.
    const editor = await connectClient(api, nodeB.url, id, bob.token);
    clients.push(editor);
    editor.doc.getText("draft").insert(0, "fine");
    await waitFor(
      () => nodeB.yjs.registry.get(room)?.doc.getText("draft").toString() === "fine",
      "honest edit arrives",
    );
  });

  it("closes a connection flooding updates past its rate", async () => {
    const { id } = await newSession();
    const ws = await raw(nodeB, id, bob);
    const closed = closedWith(ws);
    const writer = new Y.Doc();
    for (let i = 0; i < 200 && ws.readyState === ws.OPEN; i++) {
      const before = Y.encodeStateVector(writer);
      writer.getText("draft").insert(0, "k");
      ws.send(updateFrame(Y.encodeStateAsUpdate(writer, before)));
    }
    expect(await closed).toBe(4429);
  });

  it("binds awareness to its connection and rewrites the user from the account", async () => {
    const { id, room } = await newSession();
    const owner = await connectClient(api, nodeA.url, id, alice.token);
    clients.push(owner);
    owner.provider.awareness.setLocalStateField("user", { name: "Alice", color: "#112233" });
    const ownerId = owner.doc.clientID;
    const ws = await raw(nodeB, id, vera);
    await waitFor(
      () => nodeB.yjs.registry.get(room)?.awareness.getStates().has(ownerId) ?? false,
      "owner's awareness on node B",
    );
    // The viewer, on the other node, claims the owner's client id and name, then
    // tries to delete it; and introduces a state of its own claiming to be the owner.
    const viewerClient = 987_654;
    ws.send(
      awarenessFrame([
        { clientId: ownerId, clock: 99, state: { user: { id: alice.user.id, name: "alice" } } },
        { clientId: ownerId, clock: 100, state: null },
        {
          clientId: viewerClient,
          clock: 1,
          state: { user: { id: alice.user.id, name: "alice", color: "#abcdef" }, cursor: null },
        },
      ]),
    );
    await waitFor(
      () => owner.provider.awareness.getStates().has(viewerClient),
      "viewer's own state reaches the owner",
    );
    const states = owner.provider.awareness.getStates();
    expect(states.get(viewerClient)?.user).toEqual({
      id: vera.user.id,
      name: "vera Tester",
      color: "#abcdef",
    });
    // The owner's own entry is neither overwritten nor deleted; the owner too is shown
    // under the account's name, not the one the client chose.
    const ownerUser = { id: alice.user.id, name: "alice Tester", color: "#112233" };
    expect(states.get(ownerId)?.user).toEqual({ name: "Alice", color: "#112233" }); // its local state
    for (const n of [nodeA, nodeB]) {
      const held = n.yjs.registry.get(room)!.awareness.getStates();
      expect(held.get(ownerId)?.user).toEqual(ownerUser);
    }
    ws.close();
  });

  it("stops a demoted editor's writes at once, on the other node too", async () => {
    const { id, room } = await newSession();
    const ws = await raw(nodeB, id, bob);
    const writer = new Y.Doc();
    writer.getText("draft").insert(0, "before");
    ws.send(updateFrame(Y.encodeStateAsUpdate(writer)));
    await waitFor(
      () => nodeB.yjs.registry.get(room)?.doc.getText("draft").toString() === "before",
      "editor's write arrives",
    );
    const patched = await api.patch(
      `/chat/${id}/members/${bob.user.id}`,
      { role: "viewer" },
      alice.token,
    );
    expect(patched.status).toBe(200);
    // The role message travels through Redis; anything sent after it arrives is dropped.
    await waitFor(
      () => [...nodeB.yjs.registry.get(room)!.conns.keys()].every((c) => !c.canWrite),
      "node B learns the demotion",
      1000,
    );
    const sv = Y.encodeStateVector(writer);
    writer.getText("draft").insert(6, " after");
    ws.send(updateFrame(Y.encodeStateAsUpdate(writer, sv)));
    const drops = async () =>
      (await nodeB.ctx.metrics.yjsRejected.get()).values.find(
        (v) => v.labels.reason === "read_only",
      )?.value ?? 0;
    await waitFor(async () => (await drops()) > 0, "demoted write dropped");
    expect(nodeB.yjs.registry.get(room)!.doc.getText("draft").toString()).toBe("before");
    ws.close();
  });

  it("tells a client whose edit was refused to resync; a fresh copy is the server's", async () => {
    const { id, room } = await newSession();
    const editor = await connectClient(api, nodeA.url, id, bob.token);
    clients.push(editor);
    const notices = resyncNotices(editor);
    editor.doc.getText("draft").insert(0, "kept");
    await waitFor(
      () => nodeA.yjs.registry.get(room)?.doc.getText("draft").toString() === "kept",
      "honest edit arrives",
    );
    const closed = closedWith(editor.provider.ws as unknown as WebSocket);
    // Over the per-update budget: refused, and the client is told so before the close.
    editor.doc.getText("draft").insert(4, "z".repeat(40_000));
    await waitFor(() => notices.length > 0, "resync notice");
    expect(notices[0]).toBe("draft_too_long");
    expect(await closed).toBe(4413);
    // What the client does on the notice: drop its copy, load the server's.
    editor.destroy();
    const fresh = await connectClient(api, nodeB.url, id, bob.token);
    clients.push(fresh);
    expect(fresh.draft()).toBe("kept");
  });

  it("tells a demoted editor who keeps typing to resync, and leaves plain viewers alone", async () => {
    const { id, room } = await newSession();
    const editor = await connectClient(api, nodeB.url, id, bob.token);
    clients.push(editor);
    const notices = resyncNotices(editor);
    editor.doc.getText("draft").insert(0, "shared");
    await waitFor(
      () => nodeB.yjs.registry.get(room)?.doc.getText("draft").toString() === "shared",
      "editor's write arrives",
    );
    // A viewer's client sends its (empty) state on connect: nothing to resync.
    const viewer = await connectClient(api, nodeB.url, id, vera.token);
    clients.push(viewer);
    const viewerNotices = resyncNotices(viewer);
    await viewer.reconnect();
    await waitFor(() => viewer.draft() === "shared", "viewer synced");
    await api.patch(`/chat/${id}/members/${bob.user.id}`, { role: "viewer" }, alice.token);
    await waitFor(
      () => [...nodeB.yjs.registry.get(room)!.conns.keys()].every((c) => !c.canWrite),
      "node B learns the demotion",
    );
    editor.doc.getText("draft").insert(6, " and mine");
    await waitFor(() => notices.length > 0, "resync notice for the demoted editor");
    expect(notices).toEqual(["read_only"]);
    expect(nodeB.yjs.registry.get(room)!.doc.getText("draft").toString()).toBe("shared");
    // Told once, not per keystroke; the connection stays (it may still read).
    editor.doc.getText("draft").insert(0, "more ");
    const owner = await connectClient(api, nodeA.url, id, alice.token);
    clients.push(owner);
    owner.doc.getText("title").insert(0, "T");
    await waitFor(() => editor.title().startsWith("T"), "demoted copy still reads");
    expect(notices).toEqual(["read_only"]);
    expect(viewerNotices).toEqual([]);
  });
});
