/**
 * The one entry point: starts the parts that ROLE names (`all` = realtime node and
 * worker in one process). Bad configuration stops start-up with one clear line.
 */
import {
  ConfigError,
  createLogger,
  loadConfig,
  openAiRuntime,
  openDb,
  toError,
} from "@engunity/core";
import { startRealtimeNode } from "@engunity/realtime";
import { startWorker, vectorIndexKind } from "@engunity/workers";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const stops: (() => Promise<void>)[] = [];
  const runsNode = config.ROLE === "all" || config.ROLE === "realtime";
  const runsWorker = config.ROLE === "all" || config.ROLE === "worker";

  // The composition root of the process. ROLE=all builds the parts both sides use once
  // here and passes them in: one database, one AI runtime (in embedded mode its
  // in-memory queue is how the node hands questions to the worker), the node's rooms
  // and metrics registry. Each part below builds the rest of itself explicitly
  // (realtime/src/node.ts, workers/src/index.ts). Stops run in reverse: worker, node,
  // then what the root opened.
  const both = runsNode && runsWorker;
  const db = both ? openDb(config) : undefined;
  const ai = both ? openAiRuntime(config, logger) : undefined;
  if (db) stops.push(() => db.close());
  if (ai) stops.push(() => ai.close());

  let node: Awaited<ReturnType<typeof startRealtimeNode>> | undefined;
  if (runsNode) {
    // ROLE=all answers with this process's retrieval, so /health says which index it has.
    const retrievalIndex = both ? vectorIndexKind(logger) : undefined;
    node = await startRealtimeNode(config, { logger, db, ai, retrievalIndex });
    stops.push(node.close);
    logger.info(
      {
        url: `http://localhost:${node.port}`,
        database: config.DATABASE_URL ? "postgres" : "sqlite",
        redis: Boolean(config.REDIS_URL),
        role: config.ROLE,
      },
      "Engunity realtime node listening",
    );
  }
  if (runsWorker) {
    // ROLE=all: the worker shares the node's database, AI runtime, metrics and rooms.
    const shared = node;
    const worker = await startWorker(config, {
      logger,
      db,
      runtime: ai,
      registry: shared?.ctx.metrics.registry,
      emitter: shared ? { to: (room) => shared.ctx.emitter.to(room) } : undefined,
    });
    stops.push(worker.close);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, "shutting down");
    // Each part drains within SHUTDOWN_GRACE_MS (answers finish or are handed back,
    // SSE streams end); the rest (stores, Redis, database) gets a few seconds more.
    const timer = setTimeout(() => {
      logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 10_000).unref();
    for (const stop of stops.reverse())
      await stop().catch((err) => logger.error({ err }, "shutdown step failed"));
    clearTimeout(timer);
    logger.info("shut down cleanly");
    process.exit(0);
  };
  // A stray rejection is a bug to log loudly, not a reason to drop every connection of
  // this node: Node 20 would exit on it.
  process.on("unhandledRejection", (reason) => {
    logger.error({ err: toError(reason) }, "unhandled promise rejection");
  });
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  process.stderr.write(`Engunity failed to start: ${toError(err).message}\n`);
  process.exit(1);
});
