/**
 * The two seams of retrieval. Each has several implementations chosen at start-up:
 * embedders (built-in hashing, GGUF through node-llama-cpp, ONNX through
 * transformers.js) and vector indexes (FAISS through faiss-node, exact in-process
 * search when FAISS is not installed). Chunk text and vectors live in the database;
 * an index is a per-process cache rebuilt from it.
 */

/** Turns text into unit-length vectors. */
export interface Embedder {
  /**
   * Stable identity stored beside every vector (e.g. `hash-v1:384`). A different id
   * means the stored vectors are not comparable and the document must be re-ingested.
   */
  readonly id: string;
  readonly dimensions: number;
  /** One L2-normalised vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Frees native resources (model contexts). */
  close?(): Promise<void>;
}

/** One nearest neighbour: a chunk id and its inner product with the query. */
export interface VectorHit {
  id: string;
  score: number;
}

/** An inner-product index over unit vectors, keyed by chunk id. */
export interface VectorIndex {
  /** `faiss` or `exact`: reported once in the log and in `/health`. */
  readonly kind: "faiss" | "exact";
  readonly dimensions: number;
  /** Number of vectors held. */
  readonly size: number;
  /** Adds (or replaces) vectors; `ids[i]` belongs to `vectors[i]`. */
  add(ids: readonly string[], vectors: readonly Float32Array[]): void;
  /** Removes vectors by chunk id; unknown ids are ignored. */
  remove(ids: readonly string[]): void;
  /** The `k` best hits, best first. */
  search(query: Float32Array, k: number): VectorHit[];
  /** Frees native memory. */
  dispose(): void;
}

/** Makes an empty index of the given dimension. */
export type VectorIndexFactory = (dimensions: number) => VectorIndex;
