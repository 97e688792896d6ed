/**
 * The labelled retrieval eval, shared by `bench/retrievalEval.bench.ts` (all embedders,
 * a table and JSON) and `eval/retrievalEval.test.ts` (the built-in embedder, a guard
 * that hybrid never ranks worse than BM25 alone). 38 questions over 24 real documents
 * that ship inside installed npm packages (docs, changelogs, upgrade guides; never
 * their READMEs), copied to eval/corpus with package, version and path recorded in
 * eval/documents.json.
 *
 * Metrics: recall@5 of the right document, and MRR (reciprocal rank of the right
 * document, documents ranked by their best chunk among the top DEPTH hits; 0 when
 * absent). The questions are split in two fixed halves: tuning (odd ids: q01, q03…),
 * on which the fusion settings were chosen, and held-out (even ids), reported apart.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Bm25Index, fuseHybrid, HYBRID_FUSION } from "../workers/src/retrieval/Bm25Index";
import type { Embedder, VectorHit, VectorIndex } from "../workers/src/retrieval/types";

const EVAL_DIR = resolve(import.meta.dirname);
export const DEPTH = 50;
const CHUNK_CHARS = 1000;

export interface EvalDocument {
  id: string;
  file: string;
  package: string;
  version: string;
  path: string;
}
export interface EvalQuestion {
  id: string;
  question: string;
  document: string;
}
interface Chunk {
  id: string;
  doc: string;
  text: string;
}
type Hit = { id: string };
export interface Fusion {
  k: number;
  bm25Weight: number;
  vectorWeight: number;
}
export interface Score {
  recallAt5: number;
  mrr: number;
}

export const documents = JSON.parse(
  readFileSync(join(EVAL_DIR, "documents.json"), "utf8"),
) as EvalDocument[];
export const questions = JSON.parse(
  readFileSync(join(EVAL_DIR, "questions.json"), "utf8"),
) as EvalQuestion[];

/** Question positions of the tuning half (odd ids) and of the held-out half (even ids). */
export const halves = {
  all: questions.map((_, i) => i),
  tuning: questions.map((_, i) => i).filter((i) => i % 2 === 0),
  heldOut: questions.map((_, i) => i).filter((i) => i % 2 === 1),
};

/**
 * Stand-in chunker for the eval only (the ingest pipeline has its own, structure-aware
 * one): blocks split at blank lines and headings, packed up to CHUNK_CHARS, each chunk
 * prefixed with its nearest heading so a chunk says what it is about.
 */
function chunkMarkdown(doc: EvalDocument, text: string): Chunk[] {
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

export const chunks = documents.flatMap((d) =>
  chunkMarkdown(d, readFileSync(join(EVAL_DIR, d.file), "utf8")),
);
const docOf = new Map(chunks.map((c) => [c.id, c.doc]));

/** Ranks documents by their best chunk's position; 1-based rank of `want`, or 0. */
function docRank(hits: readonly Hit[], want: string): number {
  const seen: string[] = [];
  for (const h of hits) {
    const d = docOf.get(h.id)!;
    if (!seen.includes(d)) seen.push(d);
    if (d === want) return seen.length;
  }
  return 0;
}

/** The right document's rank for each question (0: not in the top DEPTH hits). */
export function ranksOf(hits: readonly (readonly Hit[])[]): number[] {
  return questions.map((q, i) => docRank(hits[i]!, q.document));
}

/** recall@5 and MRR over the questions at `positions`. */
export function score(ranks: readonly number[], positions: readonly number[]): Score {
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const picked = positions.map((i) => ranks[i]!);
  return {
    recallAt5: round(picked.filter((r) => r > 0 && r <= 5).length / picked.length),
    mrr: round(picked.reduce((s, r) => s + (r > 0 ? 1 / r : 0), 0) / picked.length),
  };
}

/** BM25 over the eval's chunks: the top DEPTH hits for every question. */
export function bm25Hits(): Hit[][] {
  const bm25 = new Bm25Index();
  for (const c of chunks) bm25.add(c.id, c.text);
  return questions.map((q) => bm25.search(q.question, DEPTH));
}

/** Embeds the chunks into `index` and returns the top DEPTH hits for every question. */
export async function vectorHits(
  embedder: Embedder,
  index: VectorIndex,
): Promise<{ hits: VectorHit[][]; embedMs: number }> {
  const started = performance.now();
  const vectors = await embedder.embed(chunks.map((c) => c.text));
  const embedMs = performance.now() - started;
  index.add(
    chunks.map((c) => c.id),
    vectors,
  );
  const queries = await embedder.embed(questions.map((q) => q.question));
  return { hits: queries.map((v) => index.search(v, DEPTH)), embedMs };
}

/** The hybrid hits for every question, fused as retrieval does (`HYBRID_FUSION`). */
export function hybridHits(
  bm25: readonly Hit[][],
  vector: readonly Hit[][],
  fusion: Fusion = HYBRID_FUSION,
): Hit[][] {
  return bm25.map((b, i) => fuseHybrid(b, vector[i]!, fusion));
}

/** The weighted-RRF settings the fusion was chosen from. */
export const FUSION_GRID: Fusion[] = [1, 5, 10, 20, 60].flatMap((k) =>
  [0.3, 0.5, 0.7, 1].map((vectorWeight) => ({ k, bm25Weight: 1, vectorWeight })),
);

/**
 * Picks a fusion on the questions at `positions` only: best MRR; ties (common on so
 * few questions) go to the setting that displaces BM25's top document on fewest of
 * those questions (the closer to the stronger list), then to the smaller k and the
 * smaller vector weight. Deterministic, so the selection can be re-run and checked.
 */
export function selectFusion(
  bm25: readonly Hit[][],
  vector: readonly Hit[][],
  positions: readonly number[],
): Fusion {
  const top = (hits: readonly Hit[]) => (hits[0] ? docOf.get(hits[0].id) : undefined);
  const rated = FUSION_GRID.map((fusion) => {
    const hits = hybridHits(bm25, vector, fusion);
    return {
      fusion,
      mrr: score(ranksOf(hits), positions).mrr,
      displaced: positions.filter((i) => top(hits[i]!) !== top(bm25[i]!)).length,
    };
  });
  rated.sort(
    (a, b) =>
      b.mrr - a.mrr ||
      a.displaced - b.displaced ||
      a.fusion.k - b.fusion.k ||
      a.fusion.vectorWeight - b.fusion.vectorWeight,
  );
  return rated[0]!.fusion;
}
