import { type Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { toError } from "../errors";
import type { Logger } from "../logger";
import { connectRedis } from "../redis";
import { redisKeys } from "../redisKeys";
import { type GenerationJob, type JobHandler, type JobQueue, jobIdOf } from "./types";

export interface BullQueueOptions {
  redisUrl: string;
  prefix: string;
  /** Lock time of a running job; a worker silent this long is considered stalled. */
  lockDurationMs: number;
  /** How often workers look for stalled jobs. */
  stalledIntervalMs: number;
}

const QUEUE = "inference";

/**
 * The scaled queue on BullMQ. Job id = assistant message id (a double submit is one
 * job); no retries on failure (the handler stores its own errors), but a stalled job —
 * its worker died — runs once more elsewhere.
 */
export class BullJobQueue implements JobQueue {
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private workerConnection: Redis | null = null;

  constructor(
    private readonly opts: BullQueueOptions,
    private readonly logger: Logger,
  ) {
    // BullMQ requires maxRetriesPerRequest: null on its connections.
    this.connection = connectRedis(opts.redisUrl, logger, "engunity-queue", {
      waitForConnection: true,
    });
    this.queue = new Queue(QUEUE, {
      connection: this.connection,
      prefix: redisKeys(opts.prefix).bull,
    });
    this.queue.on("error", (err) => logger.warn({ err: err.message }, "queue error"));
  }

  async enqueue(job: GenerationJob): Promise<void> {
    await this.queue.add("generate", job, {
      jobId: jobIdOf(job),
      attempts: 1,
      removeOnComplete: { age: 3600 },
      removeOnFail: { age: 24 * 3600 },
    });
  }

  process(
    handler: JobHandler,
    opts: {
      concurrency?: number;
      onDeadJob?: (job: GenerationJob, err: Error) => Promise<void>;
    } = {},
  ): void {
    this.workerConnection = connectRedis(this.opts.redisUrl, this.logger, "engunity-worker", {
      waitForConnection: true,
    });
    this.worker = new Worker<GenerationJob>(
      QUEUE,
      async (job: Job<GenerationJob>) => {
        await handler(job.data, { attempt: (job.stalledCounter ?? 0) + 1 });
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
        .catch((e) =>
          this.logger.error(
            { err: e, messageId: job.data.messageId },
            "could not close a dead job",
          ),
        );
    });
  }

  async close(): Promise<void> {
    if (this.worker) await this.worker.close();
    await this.queue.close();
    await this.connection.quit().catch(() => this.connection.disconnect());
    if (this.workerConnection)
      await this.workerConnection.quit().catch(() => this.workerConnection?.disconnect());
  }
}
