import type { Delta, GenerationSnapshot, Stopper } from "@engunity/shared";

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
  /** Times a worker shutting down handed this job back unfinished (set by the queue). */
  handBacks?: number;
}

/** The queue's job id: the message id, plus the version once the answer was revised. */
export function jobIdOf(job: Pick<GenerationJob, "messageId" | "version">): string {
  return job.version && job.version > 1 ? `${job.messageId}-v${job.version}` : job.messageId;
}

/**
 * Thrown by a job handler that gives its job back unfinished (the worker is shutting
 * down): the queue puts the job back in line for another worker instead of failing it.
 */
export class JobHandedBack extends Error {
  override name = "JobHandedBack";
  constructor() {
    super("worker shutting down: job handed back");
  }
}

/** How a queue's consumer stops (SIGTERM). */
export interface QueueCloseOptions {
  /** How long running jobs may take to finish before `onGraceExpired` is called. */
  graceMs?: number;
  /** Asks running handlers to give their jobs back now (they throw `JobHandedBack`). */
  onGraceExpired?: () => void;
}

/** What a job handler learns about the run it is in. */
export interface JobRun {
  /** 1 for the first run, 2 for the retry after a stall or a hand-back, and so on. */
  attempt: number;
}

export type JobHandler = (job: GenerationJob, run: JobRun) => Promise<void>;

/**
 * Inference jobs: in-process in embedded mode, BullMQ in scaled mode. `enqueue` on
 * realtime nodes, `process` on workers; ROLE=all does both in one process.
 */
/** What a queue can say of one job (see `JobQueue.standing`). */
export type JobStanding =
  | { state: "pending" }
  | { state: "failed"; reason: string }
  | { state: "gone" };

export interface JobQueue {
  /** Adds the job unless one with the same `messageId` exists. */
  enqueue(job: GenerationJob): Promise<void>;
  /** Starts consuming with `handler` (at most `concurrency` jobs at once). */
  process(
    handler: JobHandler,
    opts?: { concurrency?: number; onDeadJob?: (job: GenerationJob, err: Error) => Promise<void> },
  ): void;
  /** Jobs waiting for a worker (not yet running), across every worker. */
  depth(): Promise<number>;
  /**
   * Where this job stands in the queue: `pending` (waiting, delayed or running), `failed`
   * (with BullMQ's reason), or `gone` — no such job (lost with a Redis crash) or it ended.
   */
  standing(job: Pick<GenerationJob, "messageId" | "version">): Promise<JobStanding>;
  /**
   * Stops taking jobs and waits for the running ones; after `graceMs` it asks them to
   * hand their jobs back and waits for that.
   */
  close(opts?: QueueCloseOptions): Promise<void>;
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
  /**
   * The provider and model the run streams from (again after a failover), for the join
   * snapshot's label; ignored when `epoch` is no longer current.
   */
  label(messageId: string, epoch: number, provider: string, model: string): Promise<void>;
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
  | { type: "cancel"; messageId: string; by?: Stopper }
  | { type: "delta"; messageId: string; epoch: number; seq: number; text: string }
  | { type: "done"; messageId: string };

export type GenerationListener = (event: GenerationEvent) => void;

/**
 * Cancel requests and progress of generations: in-process embedded, a cancel key plus
 * Redis pub/sub scaled. The cancel key covers a stop that arrives before the worker
 * subscribed.
 */
export interface GenerationBus {
  /** Asks whoever runs `messageId` to stop (from any node), saying who asked. */
  cancel(messageId: string, by?: Stopper): Promise<void>;
  /** Null unless a stop was asked; then who asked, when known. */
  cancelled(messageId: string): Promise<{ by?: Stopper } | null>;
  /** Drops a stop asked earlier (the answer is about to run again: regenerate, continue). */
  forget(messageId: string): Promise<void>;
  publish(event: Exclude<GenerationEvent, { type: "cancel" }>): Promise<void>;
  /** Listens to one generation's events; resolves once the subscription is active. */
  subscribe(messageId: string, listener: GenerationListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** One ingest job: parse, chunk, embed and store the chunks of a document. */
export interface IngestJob {
  documentId: string;
  sessionId: string;
  /** ms since epoch; with the document id it makes the job id, so a re-ingest is a new job. */
  enqueuedAt: number;
}

/**
 * Ingest jobs, on a queue of their own with its own concurrency, so a big document
 * never holds up answers (or, beyond `INGEST_CONCURRENCY`, other uploads).
 */
export interface IngestQueue {
  enqueue(job: IngestJob): Promise<void>;
  process(
    handler: (job: IngestJob, run: JobRun) => Promise<void>,
    opts?: { concurrency?: number; onDeadJob?: (job: IngestJob, err: Error) => Promise<void> },
  ): void;
  close(): Promise<void>;
}

/** A document of a session became searchable, or went away (deleted: cancel its ingest). */
export interface DocumentEvent {
  type: "ready" | "deleted";
  sessionId: string;
  documentId: string;
}

/**
 * Document changes that cross processes: every worker's per-session index cache
 * listens, and a running ingest of a deleted document stops. In-process embedded,
 * Redis pub/sub scaled.
 */
export interface DocumentBus {
  publish(event: DocumentEvent): Promise<void>;
  /** Resolves once the subscription is active; returns the unsubscribe. */
  subscribe(listener: (event: DocumentEvent) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
