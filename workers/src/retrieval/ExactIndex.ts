import type { VectorHit, VectorIndex, VectorIndexFactory } from "./types";

/**
 * Brute-force inner product over vectors packed in one Float32Array: exact, no native
 * code, the default index (and the fallback when FAISS is not installed). Removal
 * swaps the last vector into the hole, so the array stays dense.
 */
export class ExactIndex implements VectorIndex {
  readonly kind = "exact" as const;
  private data: Float32Array;
  private ids: string[] = [];
  private readonly slot = new Map<string, number>();

  constructor(readonly dimensions: number) {
    this.data = new Float32Array(dimensions * 64);
  }

  get size(): number {
    return this.ids.length;
  }

  add(ids: readonly string[], vectors: readonly Float32Array[]): void {
    const d = this.dimensions;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const vector = vectors[i]!;
      if (vector.length !== d) throw new Error(`vector of ${vector.length} dims, index has ${d}`);
      let at = this.slot.get(id);
      if (at === undefined) {
        at = this.ids.length;
        if ((at + 1) * d > this.data.length) {
          const grown = new Float32Array(Math.max(this.data.length * 2, (at + 1) * d));
          grown.set(this.data);
          this.data = grown;
        }
        this.ids.push(id);
        this.slot.set(id, at);
      }
      this.data.set(vector, at * d);
    }
  }

  remove(ids: readonly string[]): void {
    const d = this.dimensions;
    for (const id of ids) {
      const at = this.slot.get(id);
      if (at === undefined) continue;
      const last = this.ids.length - 1;
      if (at !== last) {
        const lastId = this.ids[last]!;
        this.data.copyWithin(at * d, last * d, (last + 1) * d);
        this.ids[at] = lastId;
        this.slot.set(lastId, at);
      }
      this.ids.pop();
      this.slot.delete(id);
    }
  }

  search(query: Float32Array, k: number): VectorHit[] {
    const d = this.dimensions;
    const n = this.ids.length;
    if (k <= 0 || n === 0) return [];
    // A small sorted top-k list: k is tiny (≤ 50) next to n.
    const top: VectorHit[] = [];
    const data = this.data;
    for (let row = 0; row < n; row++) {
      let s = 0;
      const base = row * d;
      for (let j = 0; j < d; j++) s += data[base + j]! * query[j]!;
      if (top.length < k || s > top[top.length - 1]!.score) {
        let i = top.length < k ? top.length : top.length - 1;
        if (top.length < k) top.push({ id: "", score: 0 });
        while (i > 0 && top[i - 1]!.score < s) {
          top[i] = top[i - 1]!;
          i--;
        }
        top[i] = { id: this.ids[row]!, score: s };
      }
    }
    return top;
  }

  dispose(): void {
    this.data = new Float32Array(0);
    this.ids = [];
    this.slot.clear();
  }
}

/** The default `VectorIndexFactory`. */
export const exactIndexFactory: VectorIndexFactory = (dimensions) => new ExactIndex(dimensions);
