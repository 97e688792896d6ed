import { setImmediate as yieldToLoop } from "node:timers/promises";
import {
  type AiRuntime,
  type Config,
  type IngestJob,
  kindOfMime,
  type Logger,
  openFileStore,
  type RoomEmitter,
  toError,
} from "@engunity/core";
import { type Db, failDocument, type NewChunk, storeChunks } from "@engunity/db";
import { type DocumentStatus, sessionRoom } from "@engunity/shared";
import { Op } from "sequelize";
import { chunkBlocks } from "../ingest/chunker";
import { ParseError, parseDocument } from "../ingest/parseDocument";
import type { Embedder } from "../retrieval/types";

export interface IngestDeps {
  config: Config;
  db: Db;
  logger: Logger;
  emitter: RoomEmitter;
  runtime: AiRuntime;
  embedder: Embedder;
}

/** Thrown inside an ingest whose document was deleted. */
class Cancelled extends Error {}

/** Texts embedded per call; between calls the event loop runs (answers keep streaming). */
const EMBED_BATCH = 8;
/** At most one `document:progress` per this many ms (the final one always goes). */
const PROGRESS_EVERY_MS = 200;

/**
 * Ingests one document: read it from its store, parse by structure, chunk, embed,
 * store chunks and vectors, mark it `ready` — announcing throttled `document:progress`
 * on the way. A deleted document (the cancel) stops at the next page or batch; a
 * parse that cannot succeed marks it `failed` with the reason.
 */
export function createIngestProcessor(deps: IngestDeps) {
  const { db, emitter, runtime, embedder, logger } = deps;
  const deleted = new Set<string>();
  const listening = runtime.documents.subscribe((event) => {
    if (event.type !== "deleted") return;
    deleted.add(event.documentId);
    setTimeout(() => deleted.delete(event.documentId), 3_600_000).unref();
  });

  return async function processIngest(job: IngestJob): Promise<void> {
    await listening;
    const doc = await db.models.Document.findByPk(job.documentId);
    if (doc?.status !== "processing" || !doc.sessionId) return;
    const sessionId = doc.sessionId;
    const room = sessionRoom(sessionId);
    const announce = (status: DocumentStatus, progress: number, error?: string) =>
      emitter.to(room).emit("document:progress", {
        sessionId,
        documentId: doc.id,
        status,
        progress,
        ...(error ? { error } : {}),
      });
    let lastEmit = 0;
    let lastStored = 0;
    const progress = (fraction: number) => {
      const now = performance.now();
      if (now - lastEmit < PROGRESS_EVERY_MS) return;
      lastEmit = now;
      const p = Math.min(0.99, Math.max(0, fraction));
      announce("processing", Math.round(p * 1000) / 1000);
      if (now - lastStored > 1000) {
        lastStored = now;
        void db.models.Document.update({ progress: p }, { where: { id: doc.id } }).catch(() => {});
      }
    };
    const checkpoint = async () => {
      if (deleted.has(doc.id)) throw new Cancelled();
      await yieldToLoop();
    };

    try {
      const kind = kindOfMime(doc.fileType ?? "");
      if (!kind) throw new ParseError(`Files of type ${doc.fileType} cannot be indexed`);
      const store = openFileStore(deps.config, doc.store === "supabase" ? "supabase" : "local");
      const bytes = await store.read(doc.filePath);
      announce("processing", 0.02);
      const blocks = await parseDocument(kind, bytes, {
        onProgress: (f) => progress(0.02 + f * 0.58),
        checkpoint,
      });
      const chunks = chunkBlocks(blocks);
      if (chunks.length === 0) throw new ParseError("The document has no text to index");
      const stored: NewChunk[] = [];
      for (let i = 0; i < chunks.length; i += EMBED_BATCH) {
        await checkpoint();
        const batch = chunks.slice(i, i + EMBED_BATCH);
        // The heading path is embedded with the text, so a section's name finds it.
        const vectors = await embedder.embed(
          batch.map((c) => (c.headingPath ? `${c.headingPath}\n${c.text}` : c.text)),
        );
        for (const [j, c] of batch.entries())
          stored.push({ ...c, ordinal: i + j, vector: vectors[j]! });
        progress(0.6 + ((i + batch.length) / chunks.length) * 0.38);
      }
      await checkpoint();
      if (!(await storeChunks(db, doc.id, embedder.id, stored, checkpoint))) return;
      announce("ready", 1);
      await runtime.documents.publish({ type: "ready", sessionId, documentId: doc.id });
      logger.info({ documentId: doc.id, chunks: stored.length, kind }, "document indexed");
    } catch (err) {
      if (err instanceof Cancelled) {
        logger.info({ documentId: doc.id }, "ingest cancelled: the document was deleted");
        return;
      }
      const reason =
        err instanceof ParseError
          ? err.message
          : "Indexing failed unexpectedly; try uploading the file again";
      if (!(err instanceof ParseError))
        logger.error({ err: toError(err), documentId: doc.id }, "ingest failed");
      await failDocument(db, doc.id, reason);
      announce("failed", 0, reason);
    }
  };
}

/**
 * Embedded mode: documents left `processing` by a restart are queued again (the
 * in-process queue forgot them).
 */
export async function requeueUnfinished(deps: Pick<IngestDeps, "db" | "runtime">): Promise<number> {
  const docs = await deps.db.models.Document.findAll({ where: { status: "processing" } });
  for (const doc of docs) {
    if (!doc.sessionId) continue;
    await deps.runtime.ingest.enqueue({
      documentId: doc.id,
      sessionId: doc.sessionId,
      enqueuedAt: Date.now(),
    });
  }
  return docs.length;
}

/**
 * Every start: documents indexed by another embedder than this worker's (a new
 * built-in version, or EMBEDDINGS_MODEL_PATH changed) are queued for re-ingest, so
 * they become searchable again without anyone running `npm run documents:reindex`.
 * Each is claimed by a conditional update (`ready` and another embedder id →
 * `processing`), so of several workers starting at once one queues it.
 */
export async function requeueStaleEmbeddings(
  deps: Pick<IngestDeps, "db" | "runtime" | "embedder" | "logger">,
): Promise<number> {
  const { db, embedder } = deps;
  const stale = await db.models.Document.findAll({
    where: { status: "ready", embedderId: { [Op.ne]: embedder.id } },
    attributes: ["id", "sessionId", "embedderId"],
  });
  let queued = 0;
  for (const doc of stale) {
    if (!doc.sessionId) continue;
    const [claimed] = await db.models.Document.update(
      { status: "processing", progress: 0 },
      { where: { id: doc.id, status: "ready", embedderId: doc.embedderId } },
    );
    if (claimed === 0) continue;
    await deps.runtime.ingest.enqueue({
      documentId: doc.id,
      sessionId: doc.sessionId,
      enqueuedAt: Date.now(),
    });
    queued++;
  }
  if (queued) deps.logger.info({ queued, embedder: embedder.id }, "documents queued for re-ingest");
  return queued;
}
