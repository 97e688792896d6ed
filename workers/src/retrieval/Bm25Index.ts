import { tokenize } from "./tokenize";

/**
 * Okapi BM25 over a session's chunks, kept incrementally: adding or removing a
 * document touches only its chunks' postings, never rebuilds (the complaint was
 * "the keyword index rebuilt on every query").
 */
export class Bm25Index {
  private readonly postings = new Map<string, Map<string, number>>();
  private readonly lengths = new Map<string, number>();
  private readonly terms = new Map<string, string[]>();
  private totalLength = 0;

  constructor(
    private readonly k1 = 1.2,
    private readonly b = 0.75,
  ) {}

  get size(): number {
    return this.lengths.size;
  }

  add(id: string, text: string): void {
    if (this.lengths.has(id)) this.remove([id]);
    const tokens = tokenize(text);
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [term, n] of tf) {
      let list = this.postings.get(term);
      if (!list) {
        list = new Map();
        this.postings.set(term, list);
      }
      list.set(id, n);
    }
    this.terms.set(id, [...tf.keys()]);
    this.lengths.set(id, tokens.length);
    this.totalLength += tokens.length;
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) {
      const len = this.lengths.get(id);
      if (len === undefined) continue;
      for (const term of this.terms.get(id) ?? []) {
        const list = this.postings.get(term);
        list?.delete(id);
        if (list?.size === 0) this.postings.delete(term);
      }
      this.terms.delete(id);
      this.lengths.delete(id);
      this.totalLength -= len;
    }
  }

  /** The `k` best chunk ids for `query`, best first; only chunks sharing a term score. */
  search(query: string, k: number): { id: string; score: number }[] {
    const n = this.lengths.size;
    if (n === 0) return [];
    const avg = this.totalLength / n || 1;
    const scores = new Map<string, number>();
    for (const term of new Set(tokenize(query))) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (n - list.size + 0.5) / (list.size + 0.5));
      for (const [id, tf] of list) {
        const len = this.lengths.get(id)!;
        const s = (idf * tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + (this.b * len) / avg));
        scores.set(id, (scores.get(id) ?? 0) + s);
      }
    }
    return [...scores]
      .map(([id, score]) => ({ id, score }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, k);
  }
}

/**
 * Reciprocal rank fusion (Cormack et al. 2009): each list adds 1/(k + rank) per id.
 * Scale-free, so cosine scores and BM25 scores need no calibration against each other.
 */
export function reciprocalRankFusion(
  lists: readonly (readonly { id: string }[])[],
  k = 60,
): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((hit, rank) => {
      scores.set(hit.id, (scores.get(hit.id) ?? 0) + 1 / (k + rank + 1));
    });
  }
  return [...scores]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}
