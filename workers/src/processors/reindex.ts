import { type Config, type Logger, openAiRuntime, openDb, silentEmitter } from "@engunity/core";
import { documentsNeedingReindex } from "@engunity/db";
import { HashingEmbedder } from "../retrieval/HashingEmbedder";
import type { Embedder } from "../retrieval/types";
import { createIngestProcessor } from "./IngestProcessor";

/**
 * `npm run documents:reindex`: re-ingests every document whose vectors came from
 * another embedder than `embedder` (after changing EMBEDDINGS_MODEL_PATH). Scaled,
 * the jobs go to the ingest queue for the workers; embedded, this process runs them
 * one by one. Old chunks stay searchable by nobody meanwhile (their embedder id no
 * longer matches) and are replaced when each document is ready again.
 */
export async function reindexDocuments(
  config: Config,
  logger: Logger,
  embedder: Embedder = new HashingEmbedder(),
): Promise<{ queued: number }> {
  const db = openDb(config);
  const runtime = openAiRuntime(config, logger);
  try {
    await db.migrate();
    const docs = await documentsNeedingReindex(db, embedder.id);
    const run = config.REDIS_URL
      ? null
      : createIngestProcessor({ config, db, logger, emitter: silentEmitter, runtime, embedder });
    for (const doc of docs) {
      if (!doc.sessionId) continue;
      await doc.update({ status: "processing", progress: 0, error: null });
      const job = { documentId: doc.id, sessionId: doc.sessionId, enqueuedAt: Date.now() };
      if (run) await run(job);
      else await runtime.ingest.enqueue(job);
      logger.info({ documentId: doc.id, filename: doc.filename }, "document re-ingest");
    }
    return { queued: docs.length };
  } finally {
    await runtime.close();
    await db.close();
  }
}
