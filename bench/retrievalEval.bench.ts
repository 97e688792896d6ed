/**
 * Retrieval quality on a labelled question set: 38 questions over 24 real documents
 * that ship inside installed npm packages (docs, changelogs, upgrade guides; never
 * their READMEs), copied to eval/corpus with package, version and path recorded in
 * eval/documents.json. For each embedder (built-in hashing, the generated tiny GGUF
 * and ONNX models) × {BM25 alone, vector alone, hybrid RRF}: recall@5 of the right
 * document and its MRR (reciprocal rank of the first chunk of the right document among
 * the top 50 hits, 0 when absent).
 *
 * The tiny GGUF/ONNX models are random-weight test models the project generates (no
 * model can be downloaded here), so their vector-alone figures measure the plumbing,
 * not what a real embedding model would score; put a real model's path in
 * EVAL_GGUF / EVAL_ONNX to measure one.
 *
 *   npm run bench -- retrievalEval
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { makeTinyGguf } from "../scripts/make-tiny-gguf";
import { writeTinyOnnx } from "../scripts/make-tiny-onnx";
import { createEmbedder } from "../workers/src/embedders/createEmbedder";
import { Bm25Index, reciprocalRankFusion } from "../workers/src/retrieval/Bm25Index";
import { ExactIndex } from "../workers/src/retrieval/ExactIndex";
import { createVectorIndexFactory } from "../workers/src/retrieval/FaissIndex";
import type { Embedder } from "../workers/src/retrieval/types";
import { writeResult } from "./lib/results";
import { printTable } from "./lib/stats";

const EVAL_DIR = resolve(import.meta.dirname, "../eval");
const DEPTH = 50;
const CHUNK_CHARS = 1000;

interface Doc {
  id: string;
  file: string;
  package: string;
  version: string;
  path: string;
}
interface Question {
  id: string;
  question: string;
  document: string;
}
interface Chunk {
  id: string;
  doc: string;
  text: string;
}

const docs = JSON.parse(readFileSync(join(EVAL_DIR, "documents.json"), "utf8")) as Doc[];
const questions = JSON.parse(readFileSync(join(EVAL_DIR, "questions.json"), "utf8")) as Question[];

/**
 * Stand-in chunker for the eval only (the ingest pipeline has its own, structure-aware
 * one): blocks split at blank lines and headings, packed up to CHUNK_CHARS, each chunk
 * prefixed with its nearest heading so a chunk says what it is about.
 */
function chunkMarkdown(doc: Doc, text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let heading = "";
  let current = "";
  const flush = () => {
    if (current.trim()) {
      chunks.push({
        id: `${doc.id}#${chunks.length}`,
        doc: doc.id,
        text: `${heading}\n${current}`.trim(),
      });
    }
    current = "";
  };
  for (const block of text.split(/\n\s*\n|\n(?=#{1,6} )/)) {
    const h = /^#{1,6} (.+)/.exec(block.trim());
    if (h) {
      flush();
      heading = h[1]!;
    }
    if (current.length + block.length > CHUNK_CHARS) flush();
    current += `${block}\n\n`;
  }
  flush();
  return chunks;
}

const chunks = docs.flatMap((d) => chunkMarkdown(d, readFileSync(join(EVAL_DIR, d.file), "utf8")));
const docOf = new Map(chunks.map((c) => [c.id, c.doc]));

/** Ranks documents by their best chunk's position; 1-based rank of `want`, or 0. */
function docRank(hits: readonly { id: string }[], want: string): number {
  const seen: string[] = [];
  for (const h of hits) {
    const d = docOf.get(h.id)!;
    if (!seen.includes(d)) seen.push(d);
    if (d === want) return seen.length;
  }
  return 0;
}

function score(ranks: number[]): { recallAt5: number; mrr: number } {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    recallAt5: round(ranks.filter((r) => r > 0 && r <= 5).length / ranks.length),
    mrr: round(ranks.reduce((s, r) => s + (r > 0 ? 1 / r : 0), 0) / ranks.length),
  };
}

const bm25 = new Bm25Index();
for (const c of chunks) bm25.add(c.id, c.text);
const bm25Hits = questions.map((q) => bm25.search(q.question, DEPTH));

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
const results: Record<string, unknown>[] = [];
try {
  for (const [name, load] of embedders) {
    const embedder = await load();
    const started = performance.now();
    const vectors = await embedder.embed(chunks.map((c) => c.text));
    const embedMs = performance.now() - started;
    const index =
      vectorIndexes.factory?.(embedder.dimensions) ?? new ExactIndex(embedder.dimensions);
    index.add(
      chunks.map((c) => c.id),
      vectors,
    );
    const queryVectors = await embedder.embed(questions.map((q) => q.question));
    const vectorHits = queryVectors.map((v) => index.search(v, DEPTH));
    const hybridHits = vectorHits.map((v, i) => reciprocalRankFusion([v, bm25Hits[i]!]));
    const modes = {
      "BM25 alone": bm25Hits,
      "vector alone": vectorHits,
      "hybrid (RRF)": hybridHits,
    };
    for (const [mode, hits] of Object.entries(modes)) {
      const ranks = questions.map((q, i) => docRank(hits[i]!, q.document));
      const s = score(ranks);
      rows.push({ embedder: name, retrieval: mode, "recall@5": s.recallAt5, MRR: s.mrr });
      results.push({ embedder: name, embedderId: embedder.id, retrieval: mode, ...s, ranks });
    }
    rows.push({
      embedder: name,
      retrieval: `(${chunks.length} chunks embedded in ${Math.round(embedMs)} ms, ${index.kind} index)`,
      "recall@5": "",
      MRR: "",
    });
    index.dispose();
    await embedder.close?.();
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

printTable(
  `retrieval quality: ${questions.length} questions, ${docs.length} documents, ${chunks.length} chunks`,
  rows,
);
const file = writeResult("retrievalEval", {
  questions: questions.length,
  documents: docs.length,
  chunks: chunks.length,
  depth: DEPTH,
  results,
});
console.log(`wrote ${file}`);
