import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import { connectClient, storedDoc, type TestClient, waitFor } from "./yjsClients";

/** A small seeded PRNG (mulberry32), so a failing schedule can be replayed by its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

const WORDS = ["plan ", "ship ", "ai ", "Q3 ", "ü ", "🙂", "\n", "x"];

/**
 * Yjs `applyRandomTests` in spirit: several stock y-websocket clients spread over two
 * nodes make random concurrent inserts and deletes in title and draft, dropping and
 * re-joining (on either node) at random; every copy and the stored doc end identical.
 */
describe("Yjs convergence across two nodes (Postgres + Redis)", () => {
  let stack: TestStack;
  let api: ApiClient;
  let urls: string[];
  const users: { token: string }[] = [];

  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true });
    const a = await stack.startNode();
    const b = await stack.startNode();
    urls = [a.url, b.url];
    api = apiClient(a.url);
    for (const name of ["alice", "bob", "carol", "dave", "erin"])
      users.push(await api.register(name));
  });
  afterAll(() => stack?.close());

  it.each([1, 2, 3, 4, 5])("seed %i: all copies and the stored doc converge", async (seed) => {
    const rnd = prng(seed);
    const owner = users[0]!;
    const sessionId = (await api.post("/chat/sessions", { title: `Seed ${seed}` }, owner.token))
      .body.id as string;
    const count = 3 + rnd.int(3);
    for (const u of users.slice(1, count)) {
      const name = ["bob", "carol", "dave", "erin"][users.indexOf(u) - 1];
      await api.post(`/chat/${sessionId}/members`, { username: name, role: "editor" }, owner.token);
    }
    const clients: TestClient[] = [];
    for (let i = 0; i < count; i++) {
      clients.push(await connectClient(api, urls[i % 2]!, sessionId, users[i]!.token));
    }
    const online = clients.map(() => true);

    for (let step = 0; step < 120; step++) {
      const i = rnd.int(count);
      const client = clients[i]!;
      const roll = rnd.next();
      if (roll < 0.06) {
        if (online[i]) client.disconnect();
        else await client.reconnect(urls[rnd.int(2)]);
        online[i] = !online[i];
        continue;
      }
      const text = client.doc.getText(rnd.next() < 0.4 ? "title" : "draft");
      if (roll < 0.7 || text.length === 0) {
        text.insert(rnd.int(text.length + 1), WORDS[rnd.int(WORDS.length)]!);
      } else {
        const at = rnd.int(text.length);
        text.delete(at, 1 + rnd.int(Math.min(5, text.length - at)));
      }
      // Let the network run now and then, so edits cross in flight rather than in lockstep.
      if (rnd.next() < 0.3) await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < count; i++) if (!online[i]) await clients[i]!.reconnect(urls[i % 2]);

    const snapshot = (c: TestClient) => JSON.stringify([c.title(), c.draft()]);
    await waitFor(
      () => clients.every((c) => snapshot(c) === snapshot(clients[0]!)),
      `clients converge (seed ${seed})`,
      10_000,
    );
    const final = clients[0]!;
    const sv = Y.encodeStateVector(final.doc);
    for (const c of clients) expect(Y.encodeStateVector(c.doc)).toEqual(sv);
    // Every node holding the doc has the same copy.
    const room = `session:${sessionId}`;
    for (const node of stack.nodes) {
      const held = node.yjs.registry.get(room);
      if (held) {
        await waitFor(() => held.doc.getText("draft").toString() === final.draft(), "node copy");
        expect(held.doc.getText("title").toString()).toBe(final.title());
      }
    }

    const expected = { title: final.title(), draft: final.draft() };
    for (const c of clients) c.destroy();
    await waitFor(
      () => stack.nodes.every((n) => n.yjs.registry.get(room) === undefined),
      "docs unloaded (everything stored)",
    );
    const rows = await stack.nodes[0]!.ctx.db.models.YjsUpdate.findAll({
      where: { docName: room },
    });
    const stored = await storedDoc(rows);
    expect({
      title: stored.getText("title").toString(),
      draft: stored.getText("draft").toString(),
    }).toEqual(expected);
    // The mirrored column follows the Yjs title (cut to the title limit).
    await waitFor(
      async () =>
        (await api.get(`/chat/${sessionId}`, owner.token)).body.session.title ===
        expected.title.slice(0, 200),
      "title column mirrors the doc",
    );
  });
});
