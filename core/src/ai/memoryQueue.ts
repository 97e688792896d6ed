import type { Logger } from "../logger";
import { settlesWithin } from "../timing";
import {
  type GenerationJob,
  type JobHandler,
  type JobQueue,
  type JobRun,
  type JobStanding,
  jobIdOf,
  type QueueCloseOptions,
} from "./types";

/**
 * An in-process queue: jobs run in this process, `concurrency` at a time. A job id
 * already waiting or running is not added twice. Nothing survives a restart.
 */
export class MemoryQueue<J> {
  private readonly waiting: J[] = [];
  private readonly known = new Set<string>();
  private handler: ((job: J, run: JobRun) => Promise<void>) | null = null;
  private concurrency = 2;
  private active = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly logger: Logger,
    private readonly idOf: (job: J) => string,
    private readonly what = "job",
  ) {}

  async enqueue(job: J): Promise<void> {
    const id = this.idOf(job);
    if (this.closed || this.known.has(id)) return;
    this.known.add(id);
    this.waiting.push(job);
    this.pump();
  }

  async depth(): Promise<number> {
    return this.waiting.length;
  }

  async standing(job: J): Promise<JobStanding> {
    return this.known.has(this.idOf(job)) ? { state: "pending" } : { state: "gone" };
  }

  process(handler: (job: J, run: JobRun) => Promise<void>, opts: { concurrency?: number } = {}) {
    this.handler = handler;
    this.concurrency = opts.concurrency ?? this.concurrency;
    this.pump();
  }

  private pump(): void {
    while (this.handler && !this.closed && this.active < this.concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      const handler = this.handler;
      const id = this.idOf(job);
      this.active++;
      void handler(job, { attempt: 1 })
        .catch((err) => this.logger.error({ err, jobId: id }, `${this.what} failed`))
        .finally(() => {
          this.active--;
          this.known.delete(id);
          if (this.active === 0) for (const resolve of this.idle) resolve();
          this.pump();
        });
    }
  }

  /**
   * Stops taking jobs and waits for the running ones, asking them to stop after the
   * grace period. A job given back is lost with the process: the start-up sweep closes it.
   */
  async close(opts: QueueCloseOptions = {}): Promise<void> {
    this.closed = true;
    if (this.active === 0) return;
    const idle = new Promise<void>((resolve) => this.idle.add(resolve));
    if (!(await settlesWithin(idle, opts.graceMs ?? Number.POSITIVE_INFINITY))) {
      opts.onGraceExpired?.();
      await idle;
    }
  }
}

/**
 * The embedded-mode inference queue. The worker's start-up sweep marks jobs lost to a
 * restart as errors.
 */
export class MemoryJobQueue extends MemoryQueue<GenerationJob> implements JobQueue {
  constructor(logger: Logger) {
    super(logger, jobIdOf, "inference job");
  }

  override standing(job: Pick<GenerationJob, "messageId" | "version">): Promise<JobStanding> {
    return super.standing(job as GenerationJob);
  }

  override process(handler: JobHandler, opts: { concurrency?: number } = {}): void {
    super.process(handler, opts);
  }
}
