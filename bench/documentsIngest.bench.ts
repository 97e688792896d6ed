/**
 * Ingest throughput with the built-in hashing embedder:
 *  - embed: chunks/s of the embedder alone on ~1 kB passages;
 *  - pipeline: parse + chunk + embed of a generated 300-page PDF and a Markdown file, in process;
 *  - end to end: upload over REST to `ready` (store, queue, parse, embed, write to SQLite).
 *
 *   npm run bench -- documentsIngest
 */

import { apiClient } from "../test/support/api";
import { makePdf, uploadFile } from "../test/support/documents";
import { createTestStack } from "../test/support/node";
import { connectClient, emitAck, once } from "../test/support/sockets";
import { chunkBlocks } from "../workers/src/ingest/chunker";
import { parseDocument } from "../workers/src/ingest/parseDocument";
import { HashingEmbedder } from "../workers/src/retrieval/HashingEmbedder";
import { writeResult } from "./lib/results";
import { printTable } from "./lib/stats";

const embedder = new HashingEmbedder();
const hooks = { onProgress() {}, checkpoint: async () => {} };
const words =
  "the committee reviewed each clause of the warranty and returns policy before approval".split(
    " ",
  );
const passage = (i: number) =>
  `${Array.from({ length: 170 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" ")} ${i}.`;

// Embedder alone.
const texts = Array.from({ length: 5000 }, (_, i) => passage(i));
let t0 = performance.now();
await embedder.embed(texts);
const embedPerS = texts.length / ((performance.now() - t0) / 1000);

// Pipeline on a 300-page PDF.
const pages = Array.from({ length: 300 }, (_, p) =>
  Array.from(
    { length: 30 },
    (_, l) => `Page ${p + 1}, line ${l + 1}: ${passage(p * 30 + l).slice(0, 70)}`,
  ),
);
const pdf = Buffer.from(await makePdf(pages));
t0 = performance.now();
const pdfBlocks = await parseDocument("pdf", pdf, hooks);
const parseMs = performance.now() - t0;
const pdfChunks = chunkBlocks(pdfBlocks);
await embedder.embed(pdfChunks.map((c) => c.text));
const pdfMs = performance.now() - t0;

const md = Array.from(
  { length: 400 },
  (_, i) => `## Section ${i}\n\n${passage(i)}\n\n${passage(i + 1)}\n`,
).join("\n");
t0 = performance.now();
const mdChunks = chunkBlocks(await parseDocument("markdown", Buffer.from(md), hooks));
await embedder.embed(mdChunks.map((c) => c.text));
const mdMs = performance.now() - t0;

// End to end on the embedded stack.
const stack = await createTestStack("sqlite");
const node = await stack.startNode();
const api = apiClient(node.url);
const alice = await api.register("alice");
const sessionId = (await api.post("/chat/sessions", {}, alice.token)).body.id;
const socket = await connectClient(node.url, alice.token);
await emitAck(socket, "session:join", { sessionId });
t0 = performance.now();
const ready = once(socket, "document:progress", (p) => p.status !== "processing", 300_000);
const up = await uploadFile(node.url, alice.token, sessionId, "big.pdf", pdf);
const done = await ready;
const e2eMs = performance.now() - t0;
const doc = (await api.get(`/chat/${sessionId}/documents`, alice.token)).body.documents[0];
socket.close();
await stack.close();
if (up.status !== 202 || done.status !== "ready") throw new Error(`ingest failed: ${done.error}`);

const rows = [
  {
    what: "embedder alone (1 kB passages)",
    chunks: texts.length,
    ms: Math.round((texts.length / embedPerS) * 1000),
    "chunks/s": Math.round(embedPerS),
  },
  {
    what: `300-page PDF: parse ${Math.round(parseMs)} ms + chunk + embed`,
    chunks: pdfChunks.length,
    ms: Math.round(pdfMs),
    "chunks/s": Math.round(pdfChunks.length / (pdfMs / 1000)),
  },
  {
    what: "Markdown 400 sections: parse + chunk + embed",
    chunks: mdChunks.length,
    ms: Math.round(mdMs),
    "chunks/s": Math.round(mdChunks.length / (mdMs / 1000)),
  },
  {
    what: `300-page PDF (${(pdf.length / 1048576).toFixed(1)} MB) upload → ready, SQLite`,
    chunks: doc.chunkCount,
    ms: Math.round(e2eMs),
    "chunks/s": Math.round(doc.chunkCount / (e2eMs / 1000)),
  },
];
printTable("Document ingest, built-in hashing embedder (goal ≥ 500 chunks/s)", rows);
writeResult("documentsIngest", { embedder: embedder.id, rows });
process.exit(0);
