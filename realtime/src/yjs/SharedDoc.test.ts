import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { DocPersister } from "./DocPersister";
import { handleFrame } from "./handleFrame";
import { decodeClientFrame, encodeUpdate } from "./protocol";
import type { DocSync, PeerMessage } from "./redisDocSync";
import { type DocConnection, SharedDoc } from "./SharedDoc";
import { DEFAULT_MAX_UPDATE_BYTES } from "./updateBudget";

/** Everything a doc does with an update, in the order it does it. */
type Step =
  | { to: "redis"; message: PeerMessage }
  | { to: "store" }
  /** A socket write, with what the doc's draft read when it was made. */
  | { to: string; frame: Uint8Array; draftThen: string };

function setup() {
  const steps: Step[] = [];
  const sync: DocSync = {
    nodeId: "this-node",
    subscribe: async () => {},
    unsubscribe: async () => {},
    publish: (_room, message) => steps.push({ to: "redis", message }),
    close: async () => {},
  };
  const shared = new SharedDoc("session:s", "s", { sync, onUpdateBytes: () => {} });
  shared.persister = { push: () => steps.push({ to: "store" }) } as unknown as DocPersister;
  const conn = (userId: string, canWrite = true): DocConnection => {
    const c: DocConnection = {
      userId,
      name: userId,
      canWrite,
      toldToResync: false,
      takeUpdate: () => true,
      send: (frame) =>
        steps.push({ to: userId, frame, draftThen: shared.doc.getText("draft").toString() }),
      close: () => {},
    };
    shared.attach(c);
    return c;
  };
  return { steps, shared, conn };
}

/** An update inserting `text` into a fresh client's draft. */
function insert(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("draft").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

const budget = { maxUpdateBytes: DEFAULT_MAX_UPDATE_BYTES, maxDocBytes: 1_000_000 };

describe("SharedDoc: the order an update goes out in", () => {
  it("publishes a client's update to Redis before any socket write here, then stores it", () => {
    const { steps, shared, conn } = setup();
    const alice = conn("alice");
    conn("bob");
    conn("carol");
    expect(handleFrame(shared, alice, encodeUpdate(insert("hi")), budget)).toBe("ok");
    // Each send is a socket write: editors on other nodes wait for the publish plus a
    // hop, so it goes first; the sender gets nothing back.
    expect(steps.map((s) => s.to)).toEqual(["redis", "bob", "carol", "store"]);
    expect(shared.doc.getText("draft").toString()).toBe("hi");
  });

  it("sends a peer's update to this node's connections as it came, applies it, and neither re-publishes nor stores it", () => {
    const { steps, shared, conn } = setup();
    conn("bob");
    conn("carol");
    const update = insert("from the other node");
    shared.applyPeerUpdate(update);
    expect(steps.map((s) => s.to)).toEqual(["bob", "carol"]);
    for (const step of steps as Extract<Step, { draftThen: string }>[]) {
      expect(decodeClientFrame(step.frame)).toEqual({ type: "syncUpdate", update });
      // Written before the doc integrated it: no apply on the cross-node delivery path.
      expect(step.draftThen).toBe("");
    }
    expect(shared.doc.getText("draft").toString()).toBe("from the other node");
    expect(shared.hasPeerChanges).toBe(true);
  });

  it("refuses a viewer's and an unknown type's update before anyone, here or on Redis, sees it", () => {
    const { steps, shared, conn } = setup();
    const viewer = conn("viewer", false);
    const editor = conn("editor");
    conn("bob");
    expect(handleFrame(shared, viewer, encodeUpdate(insert("no")), budget)).toBe("readOnly");
    const blob = new Y.Doc();
    blob.getMap("blob").set("k", 1);
    const refused = handleFrame(shared, editor, encodeUpdate(Y.encodeStateAsUpdate(blob)), budget);
    expect(refused).toBe("unknown_type");
    // Only the two senders were told to resync; nothing was published, sent or stored.
    expect(steps.map((s) => s.to)).toEqual(["viewer", "editor"]);
    expect(shared.doc.getText("draft").length).toBe(0);
  });

  it("bounds what builds on content the doc lacks: past 64 KiB pending, refused and dropped", () => {
    const { steps, shared, conn } = setup();
    const mallory = conn("mallory");
    conn("bob");
    // One client's edits, the first held back: each later one builds on what the server
    // never got, so Yjs keeps it pending — outside the byte and draft budgets, to be
    // integrated by whatever update brings the first.
    const source = new Y.Doc();
    source.getText("draft").insert(0, "x");
    const first = Y.encodeStateAsUpdate(source);
    const tails: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      const before = Y.encodeStateVector(source);
      source.getText("draft").insert(source.getText("draft").length, "y".repeat(30_000));
      tails.push(Y.encodeStateAsUpdate(source, before));
    }
    // Sent until refused (the server closes the connection there).
    const outcomes: string[] = [];
    for (const tail of tails) {
      outcomes.push(handleFrame(shared, mallory, encodeUpdate(tail), budget));
      if (outcomes.at(-1) !== "ok") break;
    }
    // Two fit under the bound; the third is refused.
    expect(outcomes).toEqual(["ok", "ok", "missing_parents"]);
    expect(shared.doc.store.pendingStructs).toBeNull();
    expect(shared.doc.store.pendingDs).toBeNull();
    // Only mallory was told (to resync); nothing went to bob, to Redis or to the store.
    expect(steps.every((s) => s.to === "mallory")).toBe(true);
    // The missing first edit then brings in only itself, not the 1.2 M characters.
    expect(handleFrame(shared, mallory, encodeUpdate(first), budget)).toBe("ok");
    expect(shared.doc.getText("draft").toString()).toBe("x");
  });

  it("takes an edit typed on reconnect before the client's offline edits arrive", () => {
    const { shared, conn } = setup();
    const alice = conn("alice");
    const bob = conn("bob");
    // Alice typed offline; back online she types again before her sync step 2 (which
    // carries the offline edits) is sent: that edit builds on them.
    const client = new Y.Doc();
    const draft = client.getText("draft");
    const empty = Y.encodeStateVector(client);
    draft.insert(0, "offline draft");
    const offline = Y.encodeStateAsUpdate(client, empty);
    const sv = Y.encodeStateVector(client);
    draft.insert(draft.length, " and more");
    const live = Y.encodeStateAsUpdate(client, sv);
    expect(handleFrame(shared, alice, encodeUpdate(live), budget)).toBe("ok");
    expect(handleFrame(shared, alice, encodeUpdate(offline), budget)).toBe("ok");
    expect(shared.doc.getText("draft").toString()).toBe("offline draft and more");
    expect(shared.doc.store.pendingStructs).toBeNull();
    void bob;
  });

  it("throws on a truncated update without touching the doc", () => {
    const { steps, shared, conn } = setup();
    const alice = conn("alice");
    conn("bob");
    const update = insert("cut short");
    expect(() =>
      handleFrame(shared, alice, encodeUpdate(update.subarray(0, update.length - 3)), budget),
    ).toThrow();
    expect(steps).toEqual([]);
    expect(shared.doc.getText("draft").length).toBe(0);
  });
});
