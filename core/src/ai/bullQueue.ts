import { type Job, Queue, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { toError } from "../errors";
import type { Logger } from "../logger";
import { connectRedis } from "../redis";
import { redisKeys } from "../redisKeys";
import { settlesWithin } from "../timing";
import {
  type GenerationJob,
  JobHandedBack,
  type JobHandler,
  type JobQueue,
  type JobRun,
  type JobStanding,
  jobIdOf,
  type QueueCloseOptions,
} from "./types";

export interface BullQueueOptions {
  redisUrl: string;
  prefix: string;
  /** Lock time of a running job; a worker silent this long is considered stalled. */
  lockDurationMs: number;
  /** How often workers look for stalled jobs. */
  stalledIntervalMs: number;
}

/** What distinguishes one BullMQ-backed queue from another. */
export interface BullQueueKind<J> {
  /** BullMQ queue name (its own keys, its own workers). */
  queue: string;
  /** Job name shown in BullMQ tooling. */
  jobName: string;
  /** The job id: a second submit with the same id is the same job. */
  idOf(job: J): string;
}

/**
 * A queue on BullMQ. No retries on failure (handlers store their own errors), but a
 * stalled job — its worker died — runs once more elsewhere.
 */
export class BullQueue<J extends object> {
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private workerConnection: Redis | null = null;

  constructor(
    private readonly opts: BullQueueOptions,
    private readonly logger: Logger,
    private readonly kind: BullQueueKind<J>,
  ) {
    // BullMQ requires maxRetriesPerRequest: null on its connections.
    this.connection = connectRedis(opts.redisUrl, logger, "engunity-queue", {
      waitForConnection: true,
    });
    this.queue = new Queue(kind.queue, {
      connection: this.connection,
      prefix: redisKeys(opts.prefix).bull,
    });
    this.queue.on("error", (err) => logger.warn({ err: err.message }, "queue error"));
  }

  async enqueue(job: J): Promise<void> {
    await this.queue.add(this.kind.jobName, job, {
      jobId: this.kind.idOf(job),
      attempts: 1,
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 24 * 3600 },
    });
  }

  async depth(): Promise<number> {
    return this.queue.getJobCountByTypes("waiting", "prioritized", "delayed");
  }

  /** Where the job with this id stands: still to run or running, failed, or gone. */
  async standingOf(id: string): Promise<JobStanding> {
    const job = await this.queue.getJob(id);
    if (!job) return { state: "gone" };
    const state = await job.getState();
    if (state === "failed") return { state: "failed", reason: job.failedReason || "failed" };
    return state === "completed" || state === "unknown" ? { state: "gone" } : { state: "pending" };
  }

  process(
    handler: (job: J, run: JobRun) => Promise<void>,
    opts: {
      concurrency?: number;
      onDeadJob?: (job: J, err: Error) => Promise<void>;
    } = {},
  ): void {
    this.workerConnection = connectRedis(this.opts.redisUrl, this.logger, "engunity-worker", {
      waitForConnection: true,
    });
    this.worker = new Worker<J>(
      this.kind.queue,
      async (job: Job<J>, token?: string) => {
        const handBacks = (job.data as { handBacks?: number }).handBacks ?? 0;
        try {
          await handler(job.data, { attempt: (job.stalledCounter ?? 0) + handBacks + 1 });
        } catch (err) {
          if (!(err instanceof JobHandedBack)) throw err;
          // Back in line for another worker, now, instead of after a stall timeout; the
          // next run begins a new epoch, so clients reset the partial text.
          await job.updateData({ ...job.data, handBacks: handBacks + 1 });
          await job.moveToWait(token);
          throw new WaitingError();
        }
      },
      {
        connection: this.workerConnection,
        prefix: redisKeys(this.opts.prefix).bull,
        concurrency: opts.concurrency ?? 4,
        lockDuration: this.opts.lockDurationMs,
        stalledInterval: this.opts.stalledIntervalMs,
        maxStalledCount: 1,
      },
    );
    this.worker.on("error", (err) => this.logger.warn({ err: err.message }, "worker error"));
    // A job fails only when it stalled twice or the handler threw: either way nobody
    // will finish it, so the placeholder must not stay `streaming`.
    this.worker.on("failed", (job, err) => {
      if (!job || !opts.onDeadJob) return;
      void opts
        .onDeadJob(job.data, toError(err))
        .catch((e) => this.logger.error({ err: e, jobId: job.id }, "could not close a dead job"));
    });
  }

  async close(opts: QueueCloseOptions = {}): Promise<void> {
    if (this.worker) {
      // close() stops fetching at once and resolves when the running jobs are done.
      const closed = this.worker.close();
      if (!(await settlesWithin(closed, opts.graceMs ?? Number.POSITIVE_INFINITY))) {
        opts.onGraceExpired?.();
        await closed;
      }
    }
    await this.queue.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
    if (this.workerConnection)
      await this.workerConnection.quit().catch(() => this.workerConnection?.disconnect());
  }
}

/** The scaled inference queue. Job id = assistant message id (a double submit is one job). */
export class BullJobQueue extends BullQueue<GenerationJob> implements JobQueue {
  constructor(opts: BullQueueOptions, logger: Logger) {
    super(opts, logger, { queue: "inference", jobName: "generate", idOf: jobIdOf });
  }

  standing(job: Pick<GenerationJob, "messageId" | "version">): Promise<JobStanding> {
    return this.standingOf(jobIdOf(job));
  }

  override process(
    handler: JobHandler,
    opts: {
      concurrency?: number;
      onDeadJob?: (job: GenerationJob, err: Error) => Promise<void>;
    } = {},
  ): void {
    super.process(handler, opts);
  }
}
