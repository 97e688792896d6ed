import { createRequire } from "node:module";
import type { VectorHit, VectorIndex, VectorIndexFactory } from "./types";

/** The part of faiss-node this uses, plus the thread control scripts/build-faiss.mjs adds. */
interface FaissFlatIndex {
  ntotal(): number;
  add(x: number[]): void;
  search(x: number[], k: number): { distances: number[]; labels: number[] };
  removeIds(ids: number[]): number;
}
export interface FaissModule {
  IndexFlatIP: new (d: number) => FaissFlatIndex;
  setOmpThreads?(n: number): void;
  setBlasThreshold?(queries: number): void;
  getOmpThreads?(): number;
}

/** Vectors handed to faiss-node per call: it copies a JS number array, so bound the copy. */
const ADD_BATCH = 2048;

/**
 * Exact (flat) inner-product search in FAISS. faiss-node's flat index knows vectors
 * only by position and `removeIds` compacts positions in order, so the chunk ids live
 * here in the same order (position → id, id → position) and are compacted the same
 * way. A flat index is exact, so its top-k equals brute force (FaissIndex.test.ts).
 */
export class FaissIndex implements VectorIndex {
  readonly kind = "faiss" as const;
  private index: FaissFlatIndex | null;
  private ids: string[] = [];
  private positions = new Map<string, number>();

  constructor(
    faiss: FaissModule,
    readonly dimensions: number,
  ) {
    if (!Number.isInteger(dimensions) || dimensions < 1) {
      throw new Error(`FaissIndex: dimensions must be a positive integer, got ${dimensions}`);
    }
    this.index = new faiss.IndexFlatIP(dimensions);
  }

  get size(): number {
    return this.ids.length;
  }

  add(ids: readonly string[], vectors: readonly Float32Array[]): void {
    const index = this.live();
    if (ids.length !== vectors.length) {
      throw new Error(`FaissIndex.add: ${ids.length} ids for ${vectors.length} vectors`);
    }
    for (const v of vectors) {
      if (v.length !== this.dimensions) {
        throw new Error(
          `FaissIndex.add: vector of ${v.length} dimensions, index has ${this.dimensions}`,
        );
      }
    }
    // Replacing = remove then append; a repeated id within one call keeps its last vector.
    const last = new Map<string, number>();
    for (const [i, id] of ids.entries()) last.set(id, i);
    this.remove([...last.keys()].filter((id) => this.positions.has(id)));
    const order = [...last.values()];
    for (let start = 0; start < order.length; start += ADD_BATCH) {
      const batch = order.slice(start, start + ADD_BATCH);
      const flat = new Array<number>(batch.length * this.dimensions);
      batch.forEach((i, row) => {
        const v = vectors[i]!;
        for (let d = 0; d < v.length; d++) flat[row * this.dimensions + d] = v[d]!;
      });
      index.add(flat);
      for (const i of batch) {
        const id = ids[i]!;
        this.positions.set(id, this.ids.length);
        this.ids.push(id);
      }
    }
  }

  remove(ids: readonly string[]): void {
    const index = this.live();
    const gone = new Set<number>();
    for (const id of ids) {
      const p = this.positions.get(id);
      if (p !== undefined) gone.add(p);
    }
    if (gone.size === 0) return;
    const removed = index.removeIds([...gone]);
    if (removed !== gone.size) {
      throw new Error(`FaissIndex.remove: FAISS removed ${removed} of ${gone.size} vectors`);
    }
    this.ids = this.ids.filter((_, p) => !gone.has(p));
    this.positions = new Map(this.ids.map((id, p) => [id, p]));
  }

  search(query: Float32Array, k: number): VectorHit[] {
    const index = this.live();
    if (query.length !== this.dimensions) {
      throw new Error(
        `FaissIndex.search: query of ${query.length} dimensions, index has ${this.dimensions}`,
      );
    }
    const n = Math.min(Math.floor(k), this.ids.length);
    if (n < 1) return [];
    const { distances, labels } = index.search(Array.from(query), n);
    const hits: VectorHit[] = [];
    labels.forEach((label, i) => {
      const id = label >= 0 ? this.ids[label] : undefined;
      if (id !== undefined) hits.push({ id, score: distances[i]! });
    });
    return hits;
  }

  /** faiss-node frees an index when it is collected; dropping the last reference is all there is. */
  dispose(): void {
    this.index = null;
    this.ids = [];
    this.positions.clear();
  }

  private live(): FaissFlatIndex {
    if (!this.index) throw new Error("FaissIndex: used after dispose()");
    return this.index;
  }
}

/** Whether faiss-node's native addon loads here, and if not, why (one line). */
export type FaissLoad = { ok: true; faiss: FaissModule } | { ok: false; reason: string };

let loaded: FaissLoad | undefined;

/**
 * Loads faiss-node once per process. It is a native addon that `npm install` builds
 * only where libfaiss-dev is installed (scripts/build-faiss.mjs), so its absence is a
 * normal outcome, not an error.
 */
export function loadFaiss(): FaissLoad {
  if (loaded) return loaded;
  try {
    const faiss = createRequire(import.meta.url)("faiss-node") as FaissModule;
    loaded = { ok: true, faiss };
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    loaded = { ok: false, reason: `faiss-node did not load (${message})` };
  }
  return loaded;
}

export interface VectorIndexFactoryOptions {
  /**
   * OpenMP threads FAISS may use. Default 1: a one-query flat search runs on one
   * thread anyway, and the worker shares its cores with the LLM and other jobs.
   */
  threads?: number;
  /** Told once which index this process uses. */
  log?: (line: string, fields: Record<string, unknown>) => void;
}

/** The index kind this process will use; `reason` says why when it is `exact`. */
export interface VectorIndexChoice {
  kind: "faiss" | "exact";
  /** FAISS's factory, or null: the caller then uses the exact in-process index. */
  factory: VectorIndexFactory | null;
  reason?: string;
}

let announced = false;

/**
 * FAISS flat inner-product indexes when faiss-node's addon loads, else `factory: null`
 * and the caller falls back to exact in-process search. Says which, once per process.
 */
export function createVectorIndexFactory(
  options: VectorIndexFactoryOptions = {},
): VectorIndexChoice {
  const load = loadFaiss();
  const threads = options.threads ?? 1;
  let choice: VectorIndexChoice;
  if (load.ok) {
    load.faiss.setOmpThreads?.(threads);
    // FAISS hands a search to BLAS (sgemm) only from 20 queries at once; below that it
    // runs its own loop, which Debian's generic-x86-64 libfaiss.a compiles without SIMD
    // (45 ms for one query over 100k × 384). OpenBLAS picks AVX2/AVX-512 kernels at run
    // time: 13 ms. So every search goes through BLAS (bench/retrieval.bench.ts).
    load.faiss.setBlasThreshold?.(1);
    const faiss = load.faiss;
    choice = { kind: "faiss", factory: (dimensions) => new FaissIndex(faiss, dimensions) };
  } else {
    choice = { kind: "exact", factory: null, reason: load.reason };
  }
  if (!announced && options.log) {
    announced = true;
    if (choice.kind === "faiss") {
      options.log("vector index: FAISS (faiss-node, flat inner product)", {
        index: "faiss",
        threads,
      });
    } else {
      options.log("vector index: exact in-process search (FAISS not available)", {
        index: "exact",
        reason: choice.reason,
      });
    }
  }
  return choice;
}
