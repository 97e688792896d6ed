import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { bindField } from "./bindField";

/** Just enough of a <textarea> for bindField: a value, a caret, input listeners. */
class FakeField {
  value = "";
  selectionStart = 0;
  selectionEnd = 0;
  private listeners: (() => void)[] = [];
  addEventListener(_type: string, fn: () => void) {
    this.listeners.push(fn);
  }
  removeEventListener(_type: string, fn: () => void) {
    this.listeners = this.listeners.filter((f) => f !== fn);
  }
  setSelectionRange(start: number, end: number) {
    this.selectionStart = start;
    this.selectionEnd = end;
  }
  /** What typing does: the browser changes the value, then fires `input`. */
  edit(at: number, remove: number, insert: string) {
    this.value = this.value.slice(0, at) + insert + this.value.slice(at + remove);
    this.selectionStart = this.selectionEnd = at + insert.length;
    for (const fn of this.listeners) fn();
  }
}

/** mulberry32: a small seeded PRNG, so a failing schedule can be replayed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Two peers whose updates travel through queues delivered at random moments. */
function pair() {
  const peers = [new Y.Doc(), new Y.Doc()].map((doc) => ({
    doc,
    text: doc.getText("draft"),
    field: new FakeField(),
    inbox: [] as Uint8Array[],
  }));
  for (const [i, p] of peers.entries()) {
    const other = peers[1 - i]!;
    p.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin !== "remote") other.inbox.push(update);
    });
    bindField(p.field as unknown as HTMLTextAreaElement, p.text, () => {});
  }
  const deliver = (p: (typeof peers)[number]) => {
    for (const u of p.inbox.splice(0)) Y.applyUpdate(p.doc, u, "remote");
  };
  return { peers, deliver };
}

describe("bindField", () => {
  it("turns typing into minimal edits and shows remote edits in the field", () => {
    const { peers, deliver } = pair();
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
    a.field.edit(0, 0, "hello world");
    deliver(b);
    expect(b.field.value).toBe("hello world");
    b.field.edit(5, 0, ",");
    a.field.edit(11, 0, "!");
    deliver(a);
    deliver(b);
    expect(a.field.value).toBe("hello, world!");
    expect(b.field.value).toBe("hello, world!");
  });

  it("replaces one emoji with another without splitting it", () => {
    const { peers, deliver } = pair();
    const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
    a.field.edit(0, 0, "ok 🙂");
    // 🙂 and 🙃 share their first UTF-16 unit; a naive diff would insert half a pair.
    a.field.edit(3, 2, "🙃");
    deliver(b);
    expect(a.text.toString()).toBe("ok 🙃");
    expect(b.field.value).toBe("ok 🙃");
  });

  for (const seed of [1, 7, 42, 2024, 99991]) {
    it(`converges under random concurrent edits (seed ${seed})`, () => {
      const rand = prng(seed);
      const { peers, deliver } = pair();
      const words = ["a", "bc", "def ", "\n", "ünï", "🙂", "x y"];
      for (let step = 0; step < 300; step++) {
        const p = peers[Math.floor(rand() * 2)]!;
        // Like a browser, edit whole code points: never half an emoji.
        const points = Array.from(p.field.value);
        const unit = (cp: number) => points.slice(0, cp).join("").length;
        const at = Math.floor(rand() * (points.length + 1));
        if (rand() < 0.35 && points.length > 0) {
          const n = Math.min(points.length - at, 1 + Math.floor(rand() * 4));
          p.field.edit(unit(at), unit(at + n) - unit(at), "");
        } else p.field.edit(unit(at), 0, words[Math.floor(rand() * words.length)]!);
        if (rand() < 0.3) deliver(peers[Math.floor(rand() * 2)]!);
      }
      deliver(peers[0]!);
      deliver(peers[1]!);
      const [a, b] = peers as [(typeof peers)[0], (typeof peers)[0]];
      expect(a.text.toString()).toBe(b.text.toString());
      expect(a.field.value).toBe(a.text.toString());
      expect(b.field.value).toBe(b.text.toString());
    });
  }

  it("keeps a title typed before the doc synced, in place of the shared one", () => {
    const doc = new Y.Doc();
    const title = doc.getText("title");
    title.insert(0, "first line");
    const field = new FakeField();
    field.value = "Launch plan";
    const seen: string[] = [];
    bindField(field as unknown as HTMLInputElement, title, (v) => seen.push(v), {
      replaceWith: "Launch plan",
    });
    expect(title.toString()).toBe("Launch plan");
    expect(field.value).toBe("Launch plan");
    expect(seen).toEqual(["Launch plan"]);

    // Nothing typed (the field showed the saved title): the shared text wins.
    const other = new FakeField();
    other.value = "stale";
    bindField(other as unknown as HTMLInputElement, title, () => {});
    expect(other.value).toBe("Launch plan");
  });
});
