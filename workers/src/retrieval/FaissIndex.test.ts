import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { prng as seeded } from "../../../scripts/make-tiny-onnx";
import { createVectorIndexFactory, FaissIndex, loadFaiss } from "./FaissIndex";

/** libfaiss-dev's CMake config: where it is installed, `npm install` must have built the addon. */
const faissDevInstalled = [
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib",
  "/usr/local/lib",
].some((d) => existsSync(`${d}/cmake/faiss/faiss-config.cmake`));
const load = loadFaiss();

function unitVectors(n: number, d: number, rand: () => number): Float32Array[] {
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: d }, () => rand() * 2 - 1);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}

function bruteForce(ids: string[], vectors: Float32Array[], q: Float32Array, k: number): string[] {
  return ids
    .map((id, i) => {
      let dot = 0;
      for (let j = 0; j < q.length; j++) dot += q[j]! * vectors[i]![j]!;
      return { id, dot };
    })
    .sort((a, b) => b.dot - a.dot)
    .slice(0, k)
    .map((h) => h.id);
}

describe("FaissIndex", () => {
  it("loads wherever libfaiss-dev is installed (npm install builds faiss-node against it)", () => {
    if (faissDevInstalled) expect(load.ok ? "loaded" : load.reason).toBe("loaded");
    const choice = createVectorIndexFactory();
    expect(choice.kind).toBe(load.ok ? "faiss" : "exact");
  });

  // Skipped only on a host without libfaiss-dev, where the exact index is used instead.
  describe.skipIf(!load.ok)(
    load.ok ? "with faiss-node" : "with faiss-node (skipped: libfaiss-dev not installed)",
    () => {
      const faiss = load.ok ? load.faiss : undefined;

      it("returns the same top-10 as brute force on random unit vectors", () => {
        const rand = seeded(42);
        const d = 64;
        const vectors = unitVectors(3000, d, rand);
        const ids = vectors.map((_, i) => `chunk-${i}`);
        const index = new FaissIndex(faiss!, d);
        index.add(ids, vectors);
        expect(index.size).toBe(3000);
        for (const q of unitVectors(20, d, rand)) {
          const hits = index.search(q, 10);
          expect(hits.map((h) => h.id)).toEqual(bruteForce(ids, vectors, q, 10));
          expect(hits[0]!.score).toBeGreaterThanOrEqual(hits[9]!.score);
        }
        index.dispose();
      });

      it("removes by id, replaces an id's vector, and keeps the others' ids right", () => {
        const rand = seeded(7);
        const d = 16;
        const vectors = unitVectors(200, d, rand);
        const ids = vectors.map((_, i) => `c${i}`);
        const index = new FaissIndex(faiss!, d);
        index.add(ids, vectors);

        const removed = new Set(["c0", "c5", "c199", "c100"]);
        index.remove([...removed, "never-added"]);
        expect(index.size).toBe(196);
        const keptIds = ids.filter((id) => !removed.has(id));
        const keptVectors = vectors.filter((_, i) => !removed.has(ids[i]!));
        for (const q of unitVectors(10, d, rand)) {
          expect(index.search(q, 5).map((h) => h.id)).toEqual(
            bruteForce(keptIds, keptVectors, q, 5),
          );
        }
        // A removed vector no longer finds itself; a kept one does, with score ≈ 1.
        expect(index.search(vectors[5]!, 1)[0]!.id).not.toBe("c5");
        const self = index.search(vectors[6]!, 1)[0]!;
        expect(self.id).toBe("c6");
        expect(self.score).toBeCloseTo(1, 5);

        // Re-adding an id replaces its vector instead of duplicating it.
        index.add(["c6"], [vectors[7]!]);
        expect(index.size).toBe(196);
        const top2 = index.search(vectors[7]!, 2).map((h) => h.id);
        expect(top2.sort()).toEqual(["c6", "c7"]);
        index.dispose();
        expect(() => index.search(vectors[7]!, 1)).toThrow(/after dispose/);
      });

      it("handles the empty index, k larger than the index, and wrong dimensions", () => {
        const index = new FaissIndex(faiss!, 4);
        expect(index.search(new Float32Array([1, 0, 0, 0]), 5)).toEqual([]);
        index.add(["a", "b"], [new Float32Array([1, 0, 0, 0]), new Float32Array([0, 1, 0, 0])]);
        expect(index.search(new Float32Array([1, 0, 0, 0]), 50).map((h) => h.id)).toEqual([
          "a",
          "b",
        ]);
        expect(() => index.add(["x"], [new Float32Array(3)])).toThrow(/dimensions/);
        expect(() => index.search(new Float32Array(5), 1)).toThrow(/dimensions/);
        expect(() => index.add(["x", "y"], [new Float32Array(4)])).toThrow(/2 ids for 1 vectors/);
      });

      it("sets FAISS's OpenMP thread count explicitly", () => {
        createVectorIndexFactory({ threads: 1 });
        expect(faiss!.getOmpThreads?.()).toBe(1);
      });
    },
  );
});
