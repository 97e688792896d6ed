import { describe, expect, it } from "vitest";
import { HYBRID_FUSION } from "../workers/src/retrieval/Bm25Index";
import { ExactIndex } from "../workers/src/retrieval/ExactIndex";
import { HashingEmbedder } from "../workers/src/retrieval/HashingEmbedder";
import {
  bm25Hits,
  halves,
  hybridHits,
  ranksOf,
  score,
  selectFusion,
  vectorHits,
} from "./retrievalEval";

describe("retrieval eval (built-in embedder, 38 labelled questions)", async () => {
  const embedder = new HashingEmbedder();
  const bm25 = bm25Hits();
  const { hits: vector } = await vectorHits(embedder, new ExactIndex(embedder.dimensions));
  const alone = ranksOf(bm25);
  const hybrid = ranksOf(hybridHits(bm25, vector));

  it("hybrid ranks the right document better than BM25 alone, on all and held-out questions", () => {
    for (const half of [halves.all, halves.heldOut]) {
      const h = score(hybrid, half);
      const b = score(alone, half);
      expect(h.recallAt5).toBeGreaterThanOrEqual(b.recallAt5);
      expect(h.mrr).toBeGreaterThan(b.mrr);
    }
    // Better than vector alone as well.
    expect(score(hybrid, halves.all).mrr).toBeGreaterThan(score(ranksOf(vector), halves.all).mrr);
  });

  it("the shipped fusion is the one selected on the tuning half", () => {
    expect(selectFusion(bm25, vector, halves.tuning)).toEqual(HYBRID_FUSION);
  });
});
