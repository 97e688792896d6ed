import { type Config, createLogger } from "@engunity/core";
import type { RealtimeNode } from "@engunity/realtime";
import { startWorker, type WorkerHandle } from "@engunity/workers";

/**
 * An inference worker in this process next to `node` (ROLE=all semantics): it shares
 * the node's database and, in embedded mode, its rooms.
 */
export async function startInProcessWorker(
  node: RealtimeNode,
  overrides: Partial<Config> = {},
): Promise<WorkerHandle> {
  const config: Config = { ...node.ctx.config, ...overrides };
  return startWorker(config, {
    logger: createLogger(config.LOG_LEVEL),
    db: node.ctx.db,
    runtime: node.ctx.ai,
    emitter: { to: (room) => node.ctx.emitter.to(room) },
    registry: node.ctx.metrics.registry,
  });
}

/** A worker running as a child process (see `spawnWorkerProcess`). */
export type { ChildHandle as WorkerProcess } from "./processNode";
export { spawnWorkerProcess } from "./processNode";
