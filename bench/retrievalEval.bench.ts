/**
 * Retrieval quality on the labelled question set (eval/retrievalEval.ts has the
 * corpus, the metrics and the tuning/held-out halves). For each embedder (built-in
 * hashing, the generated tiny GGUF and ONNX models) × {BM25 alone, vector alone,
 * hybrid}: recall@5 and MRR on all questions, on the tuning half the fusion was
 * chosen on, and on the held-out half. Then, per embedder, a two-fold check: the
 * fusion selected on each half alone, scored on the other half.
 *
 * The tiny GGUF/ONNX models are random-weight test models the project generates (no
 * model can be downloaded here), so their vector-alone figures measure the plumbing,
 * not what a real embedding model would score; put a real model's path in
 * EVAL_GGUF / EVAL_ONNX to measure one.
 *
 *   npm run bench -- retrievalEval
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  bm25Hits,
  chunks,
  DEPTH,
  documents,
  type Fusion,
  halves,
  hybridHits,
  questions,
  ranksOf,
  type Score,
  score,
  selectFusion,
  vectorHits,
} from "../eval/retrievalEval";
import { makeTinyGguf } from "../scripts/make-tiny-gguf";
import { writeTinyOnnx } from "../scripts/make-tiny-onnx";
import { createEmbedder } from "../workers/src/embedders/createEmbedder";
import { HYBRID_FUSION } from "../workers/src/retrieval/Bm25Index";
import { ExactIndex } from "../workers/src/retrieval/ExactIndex";
import { createVectorIndexFactory } from "../workers/src/retrieval/FaissIndex";
import type { Embedder } from "../workers/src/retrieval/types";
import { writeResult } from "./lib/results";
import { printTable } from "./lib/stats";

const bm25 = bm25Hits();
const bm25Ranks = ranksOf(bm25);
const fmt = (x: Score) => `${x.recallAt5.toFixed(3)} / ${x.mrr.toFixed(3)}`;
const fusionName = (f: Fusion) => `k=${f.k}, vector weight ${f.vectorWeight}`;

const vectorIndexes = createVectorIndexFactory({ threads: 1 });
const tmp = mkdtempSync(join(tmpdir(), "engunity-eval-"));
const ggufPath = process.env.EVAL_GGUF ?? join(tmp, "tiny-embed.gguf");
if (!process.env.EVAL_GGUF) writeFileSync(ggufPath, makeTinyGguf({ seed: 5, pooling: "mean" }));
const onnxPath = process.env.EVAL_ONNX ?? join(tmp, "tiny-onnx");
if (!process.env.EVAL_ONNX) writeTinyOnnx(onnxPath, { seed: 7 });

const embedders: [string, () => Promise<Embedder>][] = [
  ["built-in (hashing)", () => createEmbedder(undefined)],
  [
    process.env.EVAL_GGUF ? "GGUF" : "GGUF (tiny generated)",
    () => createEmbedder(ggufPath, { threads: 1 }),
  ],
  [
    process.env.EVAL_ONNX ? "ONNX" : "ONNX (tiny generated)",
    () => createEmbedder(onnxPath, { threads: 1 }),
  ],
];

const rows: Record<string, string | number>[] = [];
const folds: Record<string, string | number>[] = [];
const results: Record<string, unknown>[] = [];
try {
  for (const [name, load] of embedders) {
    const embedder = await load();
    const index =
      vectorIndexes.factory?.(embedder.dimensions) ?? new ExactIndex(embedder.dimensions);
    const { hits: vector, embedMs } = await vectorHits(embedder, index);
    const modes: [string, number[]][] = [
      ["BM25 alone", bm25Ranks],
      ["vector alone", ranksOf(vector)],
      [`hybrid (RRF ${fusionName(HYBRID_FUSION)})`, ranksOf(hybridHits(bm25, vector))],
    ];
    for (const [mode, ranks] of modes) {
      const s = {
        all: score(ranks, halves.all),
        tuning: score(ranks, halves.tuning),
        heldOut: score(ranks, halves.heldOut),
      };
      rows.push({
        embedder: name,
        retrieval: mode,
        "all R@5 / MRR": fmt(s.all),
        "tuning half": fmt(s.tuning),
        "held-out half": fmt(s.heldOut),
      });
      results.push({ embedder: name, embedderId: embedder.id, retrieval: mode, ...s, ranks });
    }
    rows.push({
      embedder: name,
      retrieval: `(${chunks.length} chunks embedded in ${Math.round(embedMs)} ms, ${index.kind} index)`,
      "all R@5 / MRR": "",
      "tuning half": "",
      "held-out half": "",
    });
    // Two-fold check of the selection itself: chosen on one half, scored on the other.
    for (const [from, to] of [
      ["tuning", "heldOut"],
      ["heldOut", "tuning"],
    ] as const) {
      const fusion = selectFusion(bm25, vector, halves[from]);
      const hybrid = score(ranksOf(hybridHits(bm25, vector, fusion)), halves[to]);
      const alone = score(bm25Ranks, halves[to]);
      folds.push({
        embedder: name,
        "selected on": from === "tuning" ? "tuning half" : "held-out half",
        fusion: fusionName(fusion),
        "scored on": to === "tuning" ? "tuning half" : "held-out half",
        "BM25 MRR": alone.mrr.toFixed(3),
        "hybrid MRR": hybrid.mrr.toFixed(3),
      });
    }
    index.dispose();
    await embedder.close?.();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

printTable(
  `retrieval quality: ${questions.length} questions (${halves.tuning.length} tuning, ${halves.heldOut.length} held-out), ${documents.length} documents, ${chunks.length} chunks`,
  rows,
);
printTable("fusion selected on one half, scored on the other", folds);
const file = writeResult("retrievalEval", {
  questions: questions.length,
  documents: documents.length,
  chunks: chunks.length,
  depth: DEPTH,
  fusion: HYBRID_FUSION,
  results,
  folds,
});
console.log(`wrote ${file}`);
