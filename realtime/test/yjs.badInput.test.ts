import { Redis } from "ioredis";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { REDIS_URL } from "../../test/support/services";
import {
  closedWith,
  connectClient,
  getTicket,
  rawConnect,
  storedDoc,
  type TestClient,
  waitFor,
} from "./yjsClients";

/** A y-websocket sync-update frame carrying `update`. */
function updateFrame(update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, 0);
  encoding.writeVarUint(e, 2);
  encoding.writeVarUint8Array(e, update);
  return encoding.toUint8Array(e);
}

/** An update that appends `text` to the draft, made by a throwaway doc. */
function draftInsert(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("draft").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/**
 * Everything a hostile or confused client can send to `/yjs/` is refused: the
 * process stays up and the doc (in memory, on other clients and stored) is unchanged.
 */
describe("Yjs bad input (Postgres + Redis, two nodes)", () => {
  let stack: TestStack;
  let api: ApiClient;
  let urlA: string;
  let urlB: string;
  let redis: Redis;
  let alice: { user: { id: string }; token: string };
  let bob: { user: { id: string }; token: string };
  let vera: { user: { id: string }; token: string };
  let mallory: { user: { id: string }; token: string };
  let sessionId: string;
  let room: string;
  let watcher: TestClient;

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true });
    urlA = (await stack.startNode()).url;
    urlB = (await stack.startNode()).url;
    api = apiClient(urlA);
    redis = new Redis(REDIS_URL);
    alice = await api.register("alice");
    bob = await api.register("bob");
    vera = await api.register("vera");
    mallory = await api.register("mallory");
    sessionId = (await api.post("/chat/sessions", { title: "Secret plan" }, alice.token)).body.id;
    room = `session:${sessionId}`;
    await api.post(`/chat/${sessionId}/members`, { username: "bob", role: "editor" }, alice.token);
    await api.post(`/chat/${sessionId}/members`, { username: "vera", role: "viewer" }, alice.token);
    watcher = await connectClient(api, urlA, sessionId, alice.token);
    watcher.doc.getText("draft").insert(0, "agreed text");
    await waitFor(
      () => stack.nodes[0]!.yjs.registry.get(room)?.doc.getText("draft").length === 11,
      "server has the draft",
    );
  });
  afterAll(async () => {
    watcher?.destroy();
    redis?.disconnect();
    await stack?.close();
  });

  /** The doc as the server, the watching client and the database hold it. */
  async function state() {
    const held = stack.nodes[0]!.yjs.registry.get(room)!;
    await held.persister.flush();
    const rows = await stack.nodes[0]!.ctx.db.models.YjsUpdate.findAll({
      where: { docName: room },
    });
    const stored = await storedDoc(rows);
    return {
      server: Y.encodeStateVector(held.doc).toString(),
      serverDraft: held.doc.getText("draft").toString(),
      serverTitle: held.doc.getText("title").toString(),
      client: [watcher.title(), watcher.draft()],
      stored: [stored.getText("title").toString(), stored.getText("draft").toString()],
    };
  }

  /** Viewer writes a node has dropped so far. */
  async function readOnlyDrops(node: number): Promise<number> {
    const metric = await stack.nodes[node]!.ctx.metrics.yjsRejected.get();
    return metric.values.find((v) => v.labels.reason === "read_only")?.value ?? 0;
  }

  async function stillUp() {
    for (const url of [urlA, urlB]) expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
  }

  it("refuses a handshake without a ticket, or with a made-up one", async () => {
    expect((await rawConnect(urlA, room, "")).status).toBe(401);
    expect((await rawConnect(urlA, room, "?ticket=")).status).toBe(401);
    expect((await rawConnect(urlA, room, `?ticket=${"A".repeat(43)}`)).status).toBe(401);
    expect((await rawConnect(urlA, room, "?ticket=%00%27;--")).status).toBe(401);
  });

  it("accepts a ticket once, on any node, and never again", async () => {
    const ticket = await getTicket(api, sessionId, bob.token);
    const first = await rawConnect(urlB, room, `?ticket=${ticket}`);
    expect(first.status).toBe(101);
    first.ws?.close();
    expect((await rawConnect(urlA, room, `?ticket=${ticket}`)).status).toBe(401);
    expect((await rawConnect(urlB, room, `?ticket=${ticket}`)).status).toBe(401);
  });

  it("refuses an expired ticket", async () => {
    const shortLived = await stack.startNode({ YJS_TICKET_TTL_SECONDS: "1" });
    const ticket = await getTicket(apiClient(shortLived.url), sessionId, bob.token);
    const key = `${stack.env.REDIS_PREFIX}:yjs-ticket:${ticket}`;
    expect(await redis.exists(key)).toBe(1);
    await waitFor(async () => (await redis.exists(key)) === 0, "ticket expiry", 5_000);
    expect((await rawConnect(shortLived.url, room, `?ticket=${ticket}`)).status).toBe(401);
  });

  it("refuses a stranger: no ticket for someone else's session, and a ticket opens only its own room", async () => {
    const denied = await api.post(`/chat/${sessionId}/yjs-ticket`, undefined, mallory.token);
    expect(denied.status).toBe(404);
    expect(denied.body.error.code).toBe("not_found");
    const own = (await api.post("/chat/sessions", { title: "mine" }, mallory.token)).body.id;
    const ticket = await getTicket(api, own, mallory.token);
    expect((await rawConnect(urlA, room, `?ticket=${ticket}`)).status).toBe(404);
    const unauth = await api.post(`/chat/${sessionId}/yjs-ticket`);
    expect(unauth.status).toBe(401);
  });

  it("refuses a browser handshake from a foreign origin, and allows the server's own", async () => {
    const t1 = await getTicket(api, sessionId, bob.token);
    expect(
      (await rawConnect(urlA, room, `?ticket=${t1}`, { Origin: "https://evil.example" })).status,
    ).toBe(403);
    const t2 = await getTicket(api, sessionId, bob.token);
    const own = await rawConnect(urlA, room, `?ticket=${t2}`, { Origin: urlA });
    expect(own.status).toBe(101);
    own.ws?.close();
  });

  it("lets a viewer read and show a cursor, but no copy ever takes the viewer's edits", async () => {
    const before = await state();
    const viewer = await connectClient(api, urlB, sessionId, vera.token);
    expect(viewer.draft()).toBe("agreed text");
    viewer.doc.getText("draft").insert(0, "HACKED ");
    viewer.doc.getText("title").delete(0, viewer.title().length);
    viewer.provider.awareness.setLocalStateField("user", {
      id: vera.user.id,
      name: "vera",
      color: "#0a0",
    });
    // The viewer's cursor reaches the editor (awareness flows) ...
    await waitFor(
      () =>
        [...watcher.provider.awareness.getStates().values()].some((s) => s.user?.name === "vera"),
      "viewer awareness reaches the editor",
    );
    // ... and the viewer still receives edits.
    watcher.doc.getText("title").insert(0, "!");
    await waitFor(
      () => viewer.doc.getText("title").toString().includes("!"),
      "viewer receives updates",
    );
    watcher.doc.getText("title").delete(0, 1);
    await waitFor(
      async () => (await readOnlyDrops(1)) > 0,
      "the viewer's edits dropped on its node",
    );
    const dropsOnA = await readOnlyDrops(0);
    const raw = await rawConnect(
      urlA,
      room,
      `?ticket=${await getTicket(api, sessionId, vera.token)}`,
    );
    raw.ws!.send(updateFrame(draftInsert("RAW VIEWER WRITE")));
    await waitFor(async () => (await readOnlyDrops(0)) > dropsOnA, "a raw viewer write dropped");
    raw.ws!.close();
    viewer.destroy();
    const after = await state();
    expect(after.serverDraft).toBe("agreed text");
    expect(after.client).toEqual(before.client);
    expect(after.stored).toEqual(before.stored);
    expect(after.serverTitle).toBe(before.serverTitle);
    await stillUp();
  });

  it("closes the socket on an oversized frame", async () => {
    const before = await state();
    const { ws } = await rawConnect(
      urlA,
      room,
      `?ticket=${await getTicket(api, sessionId, bob.token)}`,
    );
    const closed = closedWith(ws!);
    ws!.send(updateFrame(draftInsert("x".repeat(1_000_001))));
    expect(await closed).toBe(1009);
    expect(await state()).toEqual(before);
    await stillUp();
  });

  it("closes the socket on garbage bytes, text frames and truncated updates", async () => {
    const before = await state();
    const garbage: (Uint8Array | string)[] = [
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
      new Uint8Array([7, 1, 2, 3]),
      new Uint8Array([0, 9, 1, 0]),
      new Uint8Array([0, 2, 50, 1, 2, 3]),
      updateFrame(new Uint8Array([1, 1, 200, 1, 4, 1, 0, 0, 0xff, 0xff])),
      updateFrame(draftInsert("cut short").subarray(0, 12)),
      new Uint8Array([1, 5, 1, 2]),
      '{"type":"sync"}',
    ];
    for (const frame of garbage) {
      const { ws } = await rawConnect(
        urlA,
        room,
        `?ticket=${await getTicket(api, sessionId, bob.token)}`,
      );
      const closed = closedWith(ws!);
      ws!.send(frame);
      expect([1003, 1007]).toContain(await closed);
    }
    expect(await state()).toEqual(before);
    await stillUp();
  });

  it("disconnects a removed member on every node, and lets them in no more", async () => {
    const bobClient = await connectClient(api, urlB, sessionId, bob.token);
    const ws = bobClient.provider.ws as unknown as import("ws").WebSocket;
    const closed = closedWith(ws);
    bobClient.provider.shouldConnect = false;
    const removed = await api.del(`/chat/${sessionId}/members/${bob.user.id}`, alice.token);
    expect(removed.status).toBe(204);
    expect(await closed).toBe(4403);
    const denied = await api.post(`/chat/${sessionId}/yjs-ticket`, undefined, bob.token);
    expect(denied.status).toBe(404);
    bobClient.destroy();
  });
});
