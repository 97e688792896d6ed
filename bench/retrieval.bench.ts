/**
 * Vector search: top-10 latency of FAISS (faiss-node, flat inner product) against the
 * exact in-process JS index at 10k and 100k chunks, their ratio, memory per 100k
 * vectors, and where a flat index stops meeting the 20 ms budget (the size past which
 * IVF/HNSW would pay off). Random unit vectors of the built-in embedder's dimension;
 * search cost does not depend on what the vectors mean.
 *
 *   npm run bench -- retrieval [--quick] [--sizes=10000,100000] [--queries=200] [--dims=384]
 */
import { performance } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { prng } from "../scripts/make-tiny-onnx";
import { ExactIndex } from "../workers/src/retrieval/ExactIndex";
import { createVectorIndexFactory } from "../workers/src/retrieval/FaissIndex";
import type { VectorIndex } from "../workers/src/retrieval/types";
import { reportRows, type SuiteRow, writeResult } from "./lib/results";
import { printTable, summarize } from "./lib/stats";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const quick = process.argv.includes("--quick");
const sizes = arg("sizes", quick ? "10000,30000" : "10000,100000")
  .split(",")
  .map(Number);
const queries = Number(arg("queries", quick ? "50" : "200"));
const dims = Number(arg("dims", "384"));
const K = 10;
const BUDGET_MS = 20;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const settle = () => {
  gc();
  gc();
};

function unitVectors(n: number, rand: () => number): Float32Array[] {
  return Array.from({ length: n }, () => {
    const v = new Float32Array(dims);
    let norm = 0;
    for (let i = 0; i < dims; i++) {
      v[i] = rand() * 2 - 1;
      norm += v[i]! * v[i]!;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dims; i++) v[i]! *= inv;
    return v;
  });
}

interface Measured {
  kind: string;
  size: number;
  buildMs: number;
  memoryMiB: number;
  latency: ReturnType<typeof summarize>;
  /** CPU time per query: on a shared box, wall time includes waiting for a core. */
  cpuMsPerQuery: number;
  agreesWithExact?: boolean;
}

function measure(
  kind: string,
  make: () => VectorIndex,
  ids: string[],
  vectors: Float32Array[],
  qs: Float32Array[],
): { m: Measured; tops: string[][] } {
  settle();
  const before = process.memoryUsage();
  const t0 = performance.now();
  const index = make();
  index.add(ids, vectors);
  const buildMs = performance.now() - t0;
  settle();
  const after = process.memoryUsage();
  // Native (FAISS) memory shows in RSS; the JS index's Float32Array in arrayBuffers.
  const bytes =
    kind === "faiss" ? after.rss - before.rss : after.arrayBuffers - before.arrayBuffers;
  for (const q of qs.slice(0, 10)) index.search(q, K); // warm-up
  const samples: number[] = [];
  const tops: string[][] = [];
  const cpu0 = process.cpuUsage();
  for (const q of qs) {
    const s = performance.now();
    const hits = index.search(q, K);
    samples.push(performance.now() - s);
    tops.push(hits.map((h) => h.id));
  }
  const cpu = process.cpuUsage(cpu0);
  index.dispose();
  return {
    m: {
      kind,
      size: ids.length,
      buildMs: Math.round(buildMs),
      memoryMiB: Math.round((bytes / 2 ** 20) * 10) / 10,
      latency: summarize(samples),
      cpuMsPerQuery: Math.round(((cpu.user + cpu.system) / 1000 / qs.length) * 100) / 100,
    },
    tops,
  };
}

const choice = createVectorIndexFactory({ threads: 1 });
if (!choice.factory)
  console.log(`FAISS unavailable (${choice.reason}); measuring the exact index only`);
const rand = prng(2026);
const qs = unitVectors(queries, rand);
const results: Measured[] = [];
for (const size of sizes) {
  const vectors = unitVectors(size, rand);
  const ids = vectors.map((_, i) => `chunk-${i}`);
  const exact = measure("exact", () => new ExactIndex(dims), ids, vectors, qs);
  results.push(exact.m);
  if (choice.factory) {
    const faiss = measure("faiss", () => choice.factory!(dims), ids, vectors, qs);
    faiss.m.agreesWithExact = faiss.tops.every((t, i) => t.join() === exact.tops[i]!.join());
    results.push(faiss.m);
  }
}

const rows = sizes.map((size) => {
  const exact = results.find((r) => r.kind === "exact" && r.size === size)!;
  const faiss = results.find((r) => r.kind === "faiss" && r.size === size);
  return {
    chunks: size,
    "exact p50 ms": exact.latency.p50,
    "exact p99 ms": exact.latency.p99,
    "faiss p50 ms": faiss?.latency.p50 ?? "-",
    "faiss p99 ms": faiss?.latency.p99 ?? "-",
    "exact cpu ms": exact.cpuMsPerQuery,
    "faiss cpu ms": faiss?.cpuMsPerQuery ?? "-",
    "exact/faiss": faiss ? Math.round((exact.latency.p50 / faiss.latency.p50) * 10) / 10 : "-",
    "same top-10": faiss ? String(faiss.agreesWithExact) : "-",
    "exact MiB": exact.memoryMiB,
    "faiss MiB": faiss?.memoryMiB ?? "-",
    "faiss build ms": faiss?.buildMs ?? "-",
  };
});
printTable(`top-${K} search, ${dims} dims, ${queries} queries, 1 thread`, rows);

// Flat search is linear in the chunk count: extrapolate from the largest size measured
// to where one query's CPU time crosses the budget, past which IVF/HNSW would pay off.
// CPU time, not wall time: on a shared box the wall clock mostly measures the neighbours.
const largest = Math.max(...sizes);
const perChunk = (kind: string) => {
  const r = results.find((x) => x.kind === kind && x.size === largest);
  return r ? r.cpuMsPerQuery / largest : undefined;
};
const flatLimit = Object.fromEntries(
  ["faiss", "exact"].flatMap((kind) => {
    const c = perChunk(kind);
    return c ? [[kind, Math.round(BUDGET_MS / c / 1000) * 1000]] : [];
  }),
);
const memoryPer100k = Object.fromEntries(
  results
    .filter((r) => r.size === largest)
    .map((r) => [r.kind, Math.round((r.memoryMiB * 100_000) / largest)]),
);
console.log(
  `\nflat index meets ${BUDGET_MS} ms of CPU per query up to about: ${JSON.stringify(flatLimit)} chunks per session; memory per 100k vectors (MiB): ${JSON.stringify(memoryPer100k)}`,
);
const suiteRows: SuiteRow[] = [];
for (const size of sizes) {
  const exact = results.find((r) => r.kind === "exact" && r.size === size)!;
  const faiss = results.find((r) => r.kind === "faiss" && r.size === size);
  if (!faiss) continue;
  const label = `${size / 1000}k chunks`;
  suiteRows.push(
    {
      measure: `FAISS top-${K}, ${label}, p50`,
      unit: "ms",
      engunity: [faiss.latency.p50],
      floor: [exact.latency.p50],
      floorName: "exact search (JS, flat)",
    },
    {
      measure: `FAISS top-${K}, ${label}, p99`,
      unit: "ms",
      engunity: [faiss.latency.p99],
      floor: [exact.latency.p99],
      floorName: "exact search (JS, flat)",
      goal: { of: "value", op: "<=", value: BUDGET_MS },
    },
    {
      measure: `FAISS top-${K} = exact top-${K}, ${label}`,
      unit: "1 = yes",
      engunity: [faiss.agreesWithExact ? 1 : 0],
      goal: { of: "value", op: ">=", value: 1 },
    },
  );
}
reportRows("retrieval", suiteRows);
const file = writeResult("retrieval", {
  dims,
  k: K,
  queries,
  threads: 1,
  budgetMs: BUDGET_MS,
  results,
  flatLimitChunks: flatLimit,
  memoryMiBPer100k: memoryPer100k,
});
console.log(`wrote ${file}`);
