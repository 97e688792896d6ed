import type { GenerationJob } from "@engunity/core";
import { Op } from "sequelize";
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

/**
 * Scaled mode: answers left `streaming` that nobody will finish. Either the queue no
 * longer has their job — Redis lost it (a crash before its AOF was written, a flush) — or
 * the job failed and its dead-job close was lost (the worker that saw it fail was
 * stopping, or Postgres was down). They close as `error` with what their resume log
 * holds; the person can regenerate. Only answers older than `olderThanMs` are looked at:
 * a younger one's job may still be on its way into the queue. Every worker runs this;
 * the close applies once (it only updates a `streaming` row). Returns how many closed.
 */
export async function closeLostAnswers(deps: Deps, olderThanMs: number): Promise<number> {
  const candidates = await deps.db.models.ChatMessage.findAll({
    where: { status: "streaming", createdAt: { [Op.lt]: new Date(Date.now() - olderThanMs) } },
    attributes: ["id", "sessionId", "metadata"],
    limit: 500,
  });
  let closed = 0;
  for (const m of candidates) {
    const job = { messageId: m.id, sessionId: m.sessionId, version: m.metadata?.version };
    const standing = await deps.runtime.queue.standing(job);
    if (standing.state === "pending") continue;
    const why =
      standing.state === "failed"
        ? standing.reason
        : "this answer was lost by the job queue; regenerate it to try again";
    await closeDeadJob(deps, job as GenerationJob, new Error(why));
    closed++;
  }
  return closed;
}
