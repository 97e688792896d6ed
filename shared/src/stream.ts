/**
 * The one rule for rendering a co-viewed AI answer from its batches (PROTOCOL, `ai:delta`):
 * `seq` starts at 1 in every epoch and grows by one; a newer epoch (a retried generation)
 * starts the text over; an older epoch or a `seq` already applied is stale; a `seq` that
 * skips ahead is a gap the caller fills from the resume log (`ai:resume`, the token log)
 * before applying anything newer. The web app, the SSE route and the tests' viewer all
 * apply batches through this function, so they cannot disagree.
 */

/** What has been rendered of one generation. `seq` 0 means nothing yet in `epoch`. */
export interface StreamState {
  epoch: number;
  seq: number;
  text: string;
}

/** One batch of an answer as `ai:delta` carries it. */
export interface StreamDelta {
  epoch: number;
  seq: number;
  text: string;
}

export type DeltaOutcome =
  /** Appended (or, for the first batch of a newer epoch, started over). */
  | "applied"
  /** Already covered: an older epoch, or a seq at or below the last one. Drop it. */
  | "stale"
  /** A batch is missing before this one: fetch from the log after `state.seq`. */
  | "gap";

export interface DeltaResult {
  outcome: DeltaOutcome;
  /** The new state when applied; the unchanged state otherwise. */
  state: StreamState;
}

/** The state of a generation that has shown nothing yet. */
export const EMPTY_STREAM: StreamState = Object.freeze({ epoch: 0, seq: 0, text: "" });

/** Applies one batch to `state` (undefined: nothing seen yet). Pure. */
export function applyDelta(state: StreamState | undefined, delta: StreamDelta): DeltaResult {
  const s = state ?? EMPTY_STREAM;
  if (delta.epoch > s.epoch) {
    // A newer epoch restarts from seq 1; anything later in it is a gap until seq 1 arrives.
    if (delta.seq !== 1) return { outcome: "gap", state: s };
    return { outcome: "applied", state: { epoch: delta.epoch, seq: 1, text: delta.text } };
  }
  if (delta.epoch < s.epoch || delta.seq <= s.seq) return { outcome: "stale", state: s };
  if (delta.seq !== s.seq + 1) return { outcome: "gap", state: s };
  return {
    outcome: "applied",
    state: { epoch: s.epoch, seq: delta.seq, text: s.text + delta.text },
  };
}

/**
 * Takes a snapshot (`session:join`'s `generations`: the text so far at `seq`) when it is
 * newer than what was rendered; returns the state to keep.
 */
export function applySnapshot(state: StreamState | undefined, snapshot: StreamState): DeltaResult {
  const s = state ?? EMPTY_STREAM;
  if (snapshot.epoch < s.epoch || (snapshot.epoch === s.epoch && snapshot.seq <= s.seq)) {
    return { outcome: "stale", state: s };
  }
  return {
    outcome: "applied",
    state: { epoch: snapshot.epoch, seq: snapshot.seq, text: snapshot.text },
  };
}

/**
 * Applies a run of batches from the log of one epoch (`ai:resume`'s answer), in order.
 * Stops at the first gap (the log was trimmed or the epoch moved on) and says so.
 */
export function applyDeltas(
  state: StreamState | undefined,
  epoch: number,
  deltas: readonly { seq: number; text: string }[],
): DeltaResult {
  let s = state ?? EMPTY_STREAM;
  let outcome: DeltaOutcome = "stale";
  for (const d of deltas) {
    const r = applyDelta(s, { epoch, seq: d.seq, text: d.text });
    if (r.outcome === "gap") return { outcome: "gap", state: s };
    if (r.outcome === "applied") outcome = "applied";
    s = r.state;
  }
  return { outcome, state: s };
}
