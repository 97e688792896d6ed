import { describe, expect, it } from "vitest";
import { Bm25Index, fuseHybrid, reciprocalRankFusion } from "./Bm25Index";
import { resolveCitations } from "./citations";
import { ExactIndex } from "./ExactIndex";
import { HashingEmbedder } from "./HashingEmbedder";
import type { Passage } from "./SessionRetriever";

describe("HashingEmbedder", () => {
  const e = new HashingEmbedder();
  it("gives unit vectors, similar texts closer than unrelated ones", async () => {
    const [a, b, c] = await e.embed([
      "The invoice is paid within thirty days",
      "Invoices are paid in 30 days",
      "Penguins live in Antarctica",
    ]);
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(a!, a!)).toBeCloseTo(1, 5);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!));
    expect(e.id).toBe("hash-v3:384");
  });

  it("embeds at least 500 chunks a second", async () => {
    const text = "The committee reviewed the clause about warranty terms and returns. ".repeat(15);
    const texts = Array.from({ length: 1000 }, (_, i) => `${text} ${i}`);
    const t0 = performance.now();
    await e.embed(texts);
    expect(1000 / ((performance.now() - t0) / 1000)).toBeGreaterThan(500);
  });
});

describe("ExactIndex", () => {
  it("finds the best inner products, replaces and removes by id", () => {
    const ix = new ExactIndex(2);
    const v = (x: number, y: number) => new Float32Array([x, y]);
    ix.add(["a", "b", "c"], [v(1, 0), v(0, 1), v(0.7, 0.7)]);
    expect(ix.search(v(1, 0), 2).map((h) => h.id)).toEqual(["a", "c"]);
    ix.remove(["a"]);
    expect(ix.size).toBe(2);
    expect(ix.search(v(1, 0), 1).map((h) => h.id)).toEqual(["c"]);
    ix.add(["b"], [v(1, 0)]);
    expect(ix.search(v(1, 0), 3).map((h) => h.id)).toEqual(["b", "c"]);
  });
});

describe("Bm25Index and fusion", () => {
  it("ranks by rare terms, updates incrementally, and fuses by rank", () => {
    const bm = new Bm25Index();
    bm.add("1", "the cat sat on the mat");
    bm.add("2", "the dog chased the cat");
    bm.add("3", "quantum entanglement of photons");
    expect(bm.search("quantum cat", 3)[0]!.id).toBe("3");
    bm.remove(["3"]);
    expect(bm.search("quantum", 3)).toEqual([]);
    expect(
      reciprocalRankFusion([
        [{ id: "x" }, { id: "y" }],
        [{ id: "y" }, { id: "z" }],
      ]).map((h) => h.id),
    ).toEqual(["y", "x", "z"]);
    // Weighted, top-heavy (HYBRID_FUSION): BM25's winner keeps its place when the
    // vector side merely disagrees a little, and yields to BM25's runner-up when the
    // vector side ranks that first and BM25's winner far down.
    const bm25 = [{ id: "a" }, { id: "b" }, { id: "c" }];
    const ids = (hits: { id: string }[]) => hits.map((h) => h.id);
    expect(ids(fuseHybrid(bm25, [{ id: "b" }, { id: "a" }])).slice(0, 2)).toEqual(["a", "b"]);
    const far = ["b", "v1", "v2", "v3", "v4", "v5", "a"].map((id) => ({ id }));
    expect(ids(fuseHybrid(bm25, far)).slice(0, 2)).toEqual(["b", "a"]);
    expect(ids(fuseHybrid(bm25, [{ id: "v1" }]))[0]).toBe("a");
  });
});

describe("resolveCitations", () => {
  const passage = (n: number): Passage => ({
    n,
    chunkId: `c${n}`,
    documentId: `d${n}`,
    filename: `f${n}.md`,
    text: `text ${n}`,
    headingPath: null,
    page: n,
    lineStart: null,
    lineEnd: null,
  });
  it("keeps numbering, drops markers that point nowhere, lists each source once", () => {
    const out = resolveCitations("A [2]. B [1, 7]. C [9]. D [2][1].", [passage(1), passage(2)]);
    expect(out.content).toBe("A [2]. B [1]. C. D [2][1].");
    expect(out.citations.map((c) => [c.n, c.chunkId, c.page])).toEqual([
      [2, "c2", 2],
      [1, "c1", 1],
    ]);
    expect(resolveCitations("No sources [1].", []).content).toBe("No sources.");
  });
});
