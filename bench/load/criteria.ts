/**
 * The pass criteria of QUALITY.md (Mattermost's load-test limits) applied to one
 * window: errors and timeouts under 0.025 % of operations, p99 under 2 s for every kind
 * of operation, nothing lost — every acked message reached every member of its room
 * and is in the database, every question got its complete answer, every Yjs insert
 * reached the other editor.
 */
import { performance } from "node:perf_hooks";
import type { Db } from "@engunity/db";
import { summarize } from "../lib/stats";
import { type OpKind, ROOM, type Window } from "./recorder";

export const MAX_ERROR_RATE = 0.00025;
export const MAX_P99_MS = 2000;
/** How long a closed window's stragglers (deliveries, answers) are waited for. */
const SETTLE_MS = 15_000;

export interface Lost {
  deliveries: number;
  inDb: number;
  answers: number;
  yjs: number;
}

export interface StepResult {
  users: number;
  seconds: number;
  ops: number;
  errors: number;
  errorRate: number;
  p99: Partial<Record<OpKind, number>>;
  worstP99: number;
  lost: Lost;
  messages: number;
  answers: number;
  pass: boolean;
  /** Why it failed, one line per criterion broken (empty when it passed). */
  reasons: string[];
}

const LOST_NAMES: Record<keyof Lost, string> = {
  deliveries: "deliveries",
  inDb: "messages not in the database",
  answers: "answers",
  yjs: "Yjs updates",
};

/** The verdict on a window's figures: which criteria it breaks. */
export function verdict(w: {
  ops: number;
  errors: number;
  p99: Partial<Record<OpKind, number>>;
  lost: Lost;
}): string[] {
  const reasons: string[] = [];
  const rate = w.ops ? w.errors / w.ops : 0;
  if (rate >= MAX_ERROR_RATE)
    reasons.push(
      `errors + timeouts ${(rate * 100).toFixed(3)} % (${w.errors} of ${w.ops}) ≥ ${MAX_ERROR_RATE * 100} %`,
    );
  for (const [kind, p99] of Object.entries(w.p99))
    if (!(p99! < MAX_P99_MS)) reasons.push(`${kind} p99 ${Math.round(p99!)} ms ≥ ${MAX_P99_MS} ms`);
  const lost = (Object.keys(LOST_NAMES) as (keyof Lost)[]).filter((k) => w.lost[k] > 0);
  if (lost.length)
    reasons.push(`lost ${lost.map((k) => `${w.lost[k]} ${LOST_NAMES[k]}`).join(", ")}`);
  if (w.ops === 0) reasons.push("no operation completed");
  return reasons;
}

/** Waits for a closed window's stragglers, then counts what was lost and judges it. */
export async function judgeWindow(
  w: Window,
  opts: { db: Db; users: number; seconds: number },
): Promise<StepResult> {
  const deadline = performance.now() + SETTLE_MS;
  const complete = () =>
    [...w.acked.keys()].every((id) => (w.delivered.get(id) ?? 0) >= ROOM) && w.answered >= w.asked;
  while (!complete() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const acked = [...w.acked.keys()];
  let deliveries = 0;
  for (const id of acked) deliveries += Math.max(0, ROOM - (w.delivered.get(id) ?? 0));
  const inDb = acked.length
    ? await opts.db.models.ChatMessage.count({ where: { clientId: acked } })
    : 0;
  const lost: Lost = {
    deliveries,
    inDb: acked.length - inDb,
    answers: Math.max(0, w.asked - w.answered),
    yjs: Math.max(0, w.yjsSent - w.yjsSeen),
  };
  const p99 = Object.fromEntries([...w.latencies].map(([k, v]) => [k, summarize(v).p99]));
  const reasons = verdict({ ops: w.ops, errors: w.errors, p99, lost });
  const result: StepResult = {
    users: opts.users,
    seconds: opts.seconds,
    ops: w.ops,
    errors: w.errors,
    errorRate: w.ops ? w.errors / w.ops : 0,
    p99,
    worstP99: Math.max(0, ...Object.values(p99)),
    lost,
    messages: acked.length,
    answers: w.answered,
    pass: reasons.length === 0,
    reasons,
  };
  console.log(
    `${opts.users} users: ${w.ops} ops, ${w.errors} errors, p99 ${JSON.stringify(p99)}, lost ${JSON.stringify(lost)} → ${result.pass ? "PASS" : `FAIL (${reasons.join("; ")})`}`,
  );
  return result;
}
