import type { Delta, GenerationSnapshot } from "@engunity/shared";

/**
 * One inference job: answer the user message `userMessageId` into the assistant
 * placeholder `messageId`. The job id is `messageId`, so a double submit is one job.
 */
export interface GenerationJob {
  messageId: string;
  sessionId: string;
  userId: string;
  userMessageId: string;
  /** Request preference (PROTOCOL `provider` / `model` on a send). */
  provider?: string;
  model?: string;
  /** ms since epoch, for the queue-wait metric. */
  enqueuedAt: number;
  /** Daily counters besides the asker's that the answer's tokens count against (a widget key's cap). */
  usageKeys?: string[];
  /** `continue`: go on from the answer's current text instead of starting afresh. */
  mode?: "answer" | "continue";
  /**
   * The answer's version this job produces (2+ after a regenerate, continue or edit):
   * part of the queue's job id, so a revised answer is a new job, not a duplicate.
   */
  version?: number;
}

/** The queue's job id: the message id, plus the version once the answer was revised. */
export function jobIdOf(job: Pick<GenerationJob, "messageId" | "version">): string {
  return job.version && job.version > 1 ? `${job.messageId}-v${job.version}` : job.messageId;
}

/** What a job handler learns about the run it is in. */
export interface JobRun {
  /** 1 for the first run, 2 for the retry after a stall. */
  attempt: number;
}

export type JobHandler = (job: GenerationJob, run: JobRun) => Promise<void>;

/**
 * Inference jobs: in-process in embedded mode, BullMQ in scaled mode. `enqueue` on
 * realtime nodes, `process` on workers; ROLE=all does both in one process.
 */
export interface JobQueue {
  /** Adds the job unless one with the same `messageId` exists. */
  enqueue(job: GenerationJob): Promise<void>;
  /** Starts consuming with `handler` (at most `concurrency` jobs at once). */
  process(
    handler: JobHandler,
    opts?: { concurrency?: number; onDeadJob?: (job: GenerationJob, err: Error) => Promise<void> },
  ): void;
  close(): Promise<void>;
}

/** One batch of tokens in a generation's resume log. */
export interface TokenEntry {
  epoch: number;
  seq: number;
  text: string;
}

/**
 * The resume log of running generations: in-memory rings embedded, a Redis Stream
 * per generation scaled. Each run of a job begins a new epoch, which drops the
 * previous run's entries, and appends from a stale epoch are refused.
 */
export interface TokenLog {
  /** Starts a run: bumps and returns the epoch, clears old entries, lists it as running. */
  begin(messageId: string, sessionId: string): Promise<number>;
  /** Appends a batch; false when `entry.epoch` is no longer current (a newer run took over). */
  append(messageId: string, entry: TokenEntry): Promise<boolean>;
  /** The current epoch's batches with `seq > afterSeq`, or null when nothing is logged. */
  read(messageId: string, afterSeq: number): Promise<{ epoch: number; deltas: Delta[] } | null>;
  /** Running generations of a session with their text so far (for the join ack). */
  running(sessionId: string): Promise<GenerationSnapshot[]>;
  /** The run is over; the entries stay readable for a while, the generation is no longer listed. */
  finish(messageId: string, sessionId: string): Promise<void>;
  close(): Promise<void>;
}

/** Events about one generation that cross processes (worker ↔ realtime nodes). */
export type GenerationEvent =
  | { type: "cancel"; messageId: string }
  | { type: "delta"; messageId: string; epoch: number; seq: number; text: string }
  | { type: "done"; messageId: string };

export type GenerationListener = (event: GenerationEvent) => void;

/**
 * Cancel requests and progress of generations: in-process embedded, a cancel key plus
 * Redis pub/sub scaled. The cancel key covers a stop that arrives before the worker
 * subscribed.
 */
export interface GenerationBus {
  /** Asks whoever runs `messageId` to stop (from any node). */
  cancel(messageId: string): Promise<void>;
  isCancelled(messageId: string): Promise<boolean>;
  publish(event: Exclude<GenerationEvent, { type: "cancel" }>): Promise<void>;
  /** Listens to one generation's events; resolves once the subscription is active. */
  subscribe(messageId: string, listener: GenerationListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
