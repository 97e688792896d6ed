import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { DocPersister } from "./DocPersister";
import { handleFrame } from "./handleFrame";
import { decodeClientFrame, encodeSyncStep2, encodeUpdate } from "./protocol";
import type { DocSync, PeerMessage } from "./redisDocSync";
import { type DocConnection, FROM_PEER, SharedDoc } from "./SharedDoc";
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

  it("sends a client's live edit on as it came, before the doc integrates it, and stores what it changed", () => {
    const { steps, shared, conn } = setup();
    const alice = conn("alice");
    conn("bob");
    const update = insert("typed");
    const frame = encodeUpdate(update);
    expect(handleFrame(shared, alice, frame, budget)).toBe("ok");
    expect(steps.map((s) => s.to)).toEqual(["redis", "bob", "store"]);
    const [published, sent] = steps as [
      Extract<Step, { to: "redis" }>,
      Extract<Step, { draftThen: string }>,
    ];
    expect(published.message).toEqual({ type: "update", update });
    // The very bytes received, written before the apply: no integration, no re-encoding.
    expect(sent.frame).toBe(frame);
    expect(sent.draftThen).toBe("");
    expect(shared.doc.getText("draft").toString()).toBe("typed");
    // Sent once: the update event of the apply sends nothing more.
    expect(steps.filter((s) => s.to === "bob")).toHaveLength(1);
  });

  it("sends an edit that resends what the doc has, and stores nothing for it", () => {
    const { steps, shared, conn } = setup();
    const alice = conn("alice");
    conn("bob");
    const update = insert("twice");
    handleFrame(shared, alice, encodeUpdate(update), budget);
    steps.length = 0;
    handleFrame(shared, alice, encodeUpdate(update), budget);
    // Peers drop a duplicate as the doc does; the doc's update event did not fire.
    expect(steps.map((s) => s.to)).toEqual(["redis", "bob"]);
  });

  it("applies a sync step 2 first and sends on only what the doc lacked", () => {
    const { steps, shared, conn } = setup();
    const alice = conn("alice");
    conn("bob");
    const client = new Y.Doc();
    client.getText("draft").insert(0, "known");
    Y.applyUpdate(shared.doc, Y.encodeStateAsUpdate(client), FROM_PEER);
    client.getText("draft").insert(5, " new");
    const step2 = encodeSyncStep2(client, Y.encodeStateVector(new Y.Doc()));
    expect(handleFrame(shared, alice, step2, budget)).toBe("ok");
    expect(steps.map((s) => s.to)).toEqual(["redis", "bob", "store"]);
    const sent = steps[1] as Extract<Step, { draftThen: string }>;
    expect(sent.draftThen).toBe("known new");
    const probe = new Y.Doc();
    const frame = decodeClientFrame(sent.frame);
    if (frame.type !== "syncUpdate") throw new Error(frame.type);
    Y.applyUpdate(probe, frame.update);
    // Only the new insert: its parent ("known") is not in it, so it waits.
    expect(probe.getText("draft").toString()).toBe("");
    expect(probe.store.pendingStructs).not.toBeNull();
  });

  it("with structs pending in the doc, applies a live edit first and sends what the apply integrated", () => {
    const { steps, shared, conn } = setup();
    const alice = conn("alice");
    const carol = conn("carol");
    conn("bob");
    const other = new Y.Doc();
    other.getText("draft").insert(0, "A");
    const parent = Y.encodeStateAsUpdate(other);
    const before = Y.encodeStateVector(other);
    other.getText("draft").insert(1, "B");
    const child = Y.encodeStateAsUpdate(other, before);
    // Carol's sync step 2 holds the child only: it waits for its parent, integrates
    // nothing, and so nothing went out for it.
    const step2 = new Uint8Array([0, 1, ...encodeUpdate(child).subarray(2)]);
    expect(handleFrame(shared, carol, step2, budget)).toBe("ok");
    expect(steps).toEqual([]);
    expect(shared.doc.store.pendingStructs).not.toBeNull();
    expect(handleFrame(shared, alice, encodeUpdate(parent), budget)).toBe("ok");
    expect(shared.doc.getText("draft").toString()).toBe("AB");
    const sent = steps.find((s) => s.to === "bob") as Extract<Step, { draftThen: string }>;
    // Sent from the update event, after the apply: the parent and the child it freed.
    expect(sent.draftThen).toBe("AB");
    const probe = new Y.Doc();
    const frame = decodeClientFrame(sent.frame);
    if (frame.type !== "syncUpdate") throw new Error(frame.type);
    Y.applyUpdate(probe, frame.update);
    expect(probe.getText("draft").toString()).toBe("AB");
  });

  it("sends a peer's update to this node's connections as it came, applies it, and neither re-publishes nor stores it", () => {
    const { steps, shared, conn } = setup();
    conn("bob");
    conn("carol");
    const update = insert("from the other node");
    shared.applyPeerUpdate(update);
    expect(steps.map((s) => s.to)).toEqual(["bob", "carol"]);
    for (const step of steps as Extract<Step, { draftThen: string }>[]) {
      expect(decodeClientFrame(step.frame)).toEqual({ type: "syncUpdate", update, exact: true });
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
