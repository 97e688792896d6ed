import type { Logger } from "../logger";
import { type GenerationJob, type JobHandler, type JobQueue, jobIdOf } from "./types";

/**
 * The embedded-mode queue: jobs run in this process, `concurrency` at a time. A job id
 * already waiting or running is not added twice. Nothing survives a restart; the
 * worker's start-up sweep marks such orphans as errors.
 */
export class MemoryJobQueue implements JobQueue {
  private readonly waiting: GenerationJob[] = [];
  private readonly known = new Set<string>();
  private handler: JobHandler | null = null;
  private concurrency = 2;
  private active = 0;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(private readonly logger: Logger) {}

  async enqueue(job: GenerationJob): Promise<void> {
    if (this.closed || this.known.has(jobIdOf(job))) return;
    this.known.add(jobIdOf(job));
    this.waiting.push(job);
    this.pump();
  }

  process(handler: JobHandler, opts: { concurrency?: number } = {}): void {
    this.handler = handler;
    this.concurrency = opts.concurrency ?? this.concurrency;
    this.pump();
  }

  private pump(): void {
    while (this.handler && !this.closed && this.active < this.concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      const handler = this.handler;
      this.active++;
      void handler(job, { attempt: 1 })
        .catch((err) =>
          this.logger.error({ err, messageId: job.messageId }, "inference job failed"),
        )
        .finally(() => {
          this.active--;
          this.known.delete(jobIdOf(job));
          if (this.active === 0) for (const resolve of this.idle) resolve();
          this.pump();
        });
    }
  }

  /** Stops taking jobs and waits for the running ones (their handlers see the abort). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.active === 0) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }
}
