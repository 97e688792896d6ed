import type { Config, Logger } from "@engunity/core";

export interface WorkerHandle {
  close(): Promise<void>;
}

/** Starts the job consumers of this process (inference, ingestion). */
export async function startWorker(
  _config: Config,
  options: { logger: Logger },
): Promise<WorkerHandle> {
  options.logger.debug("worker started (no job processors registered yet)");
  return { close: async () => {} };
}
