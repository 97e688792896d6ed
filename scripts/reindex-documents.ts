/**
 * Re-ingests documents embedded by another embedder than the configured one:
 * `npm run documents:reindex` after changing EMBEDDINGS_MODEL_PATH.
 */
import { createLogger, loadConfig } from "@engunity/core";
import { reindexDocuments } from "@engunity/workers";

const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
const { queued } = await reindexDocuments(config, logger);
process.stdout.write(
  queued === 0
    ? "Every document is already embedded by the current embedder.\n"
    : `${queued} document(s) re-ingested${config.REDIS_URL ? " (queued for the workers)" : ""}.\n`,
);
