/**
 * The ramp's plan: double the load from `start` until a step fails or the next one
 * would pass `cap`, then bisect between the largest passing load and the smallest
 * failing one until they are within `resolution` of each other. Loads are whole rooms.
 */

export interface RampPlan {
  start: number;
  cap: number;
  /** Users per room: every load is a multiple of it. */
  room: number;
}

export interface RampStep {
  users: number;
  pass: boolean;
}

/** How close the bisection gets: one room, or a tenth of the passing load if that is more. */
export function resolutionAt(passing: number, room: number): number {
  return Math.max(room, Math.floor((passing * 0.1) / room) * room);
}

/** What the ramp has found so far. */
export function rampState(steps: RampStep[]) {
  const failing = steps.filter((s) => !s.pass).map((s) => s.users);
  const firstFail = failing.length ? Math.min(...failing) : undefined;
  // A pass above a failure (noise on a shared box) does not count: below the lowest failure only.
  const largestPass = Math.max(
    0,
    ...steps
      .filter((s) => s.pass && (firstFail === undefined || s.users < firstFail))
      .map((s) => s.users),
  );
  return { largestPass, firstFail };
}

/** The next load to run, or undefined when the ramp is done. */
export function nextLoad(steps: RampStep[], plan: RampPlan): number | undefined {
  const roundDown = (n: number) => Math.floor(n / plan.room) * plan.room;
  if (!steps.length) return Math.min(roundDown(plan.start) || plan.room, plan.cap);
  const { largestPass, firstFail } = rampState(steps);
  if (firstFail === undefined) {
    if (largestPass >= plan.cap) return undefined;
    return Math.min(plan.cap, Math.max(plan.room, roundDown(largestPass * 2)));
  }
  if (firstFail - largestPass <= resolutionAt(largestPass, plan.room)) return undefined;
  const mid = roundDown((largestPass + firstFail) / 2);
  return mid > largestPass && mid < firstFail ? mid : undefined;
}
