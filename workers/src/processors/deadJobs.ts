import type { GenerationJob } from "@engunity/core";
import { finishGeneration } from "./finishGeneration";
import type { InferenceDeps } from "./InferenceProcessor";

type Deps = Pick<InferenceDeps, "db" | "runtime" | "emitter" | "logger">;

/**
 * A job nobody will finish (it stalled twice, or its handler threw): store what the
 * resume log holds as an `error` answer so the placeholder never stays `streaming`.
 */
export async function closeDeadJob(deps: Deps, job: GenerationJob, err: Error): Promise<void> {
  const log = await deps.runtime.log.read(job.messageId, 0);
  const content = log?.deltas.map((d) => d.text).join("") ?? "";
  const closed = await finishGeneration(deps, job, {
    content,
    status: "error",
    attempts: [],
    error: err.message,
  });
  if (closed)
    deps.logger.warn(
      { messageId: job.messageId, err: err.message },
      "inference job died; answer closed as error",
    );
}

/** Embedded start-up: placeholders left `streaming` by a previous process become errors. */
export async function sweepOrphans(deps: Deps): Promise<void> {
  const orphans = await deps.db.models.ChatMessage.findAll({ where: { status: "streaming" } });
  for (const m of orphans) {
    await closeDeadJob(
      deps,
      { messageId: m.id, sessionId: m.sessionId } as GenerationJob,
      new Error("the server restarted during this answer"),
    );
  }
}
