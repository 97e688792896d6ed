/**
 * Re-ingests documents embedded by another embedder than the configured one:
 * `npm run documents:reindex` after changing EMBEDDINGS_MODEL_PATH.
 */
import { createLogger, loadConfig } from "@engunity/core";
import { createEmbedder, reindexDocuments } from "@engunity/workers";

const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
// The configured embedder (EMBEDDINGS_MODEL_PATH), not always the built-in one: the
// documents to re-ingest are those whose vectors it did not make.
const embedder = await createEmbedder(config.EMBEDDINGS_MODEL_PATH);
const { queued } = await reindexDocuments(config, logger, embedder);
await embedder.close?.();
process.stdout.write(
  queued === 0
    ? "Every document is already embedded by the current embedder.\n"
    : `${queued} document(s) re-ingested${config.REDIS_URL ? " (queued for the workers)" : ""}.\n`,
);
