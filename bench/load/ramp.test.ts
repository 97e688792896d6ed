import { describe, expect, it } from "vitest";
import { verdict } from "./criteria";
import { nextLoad, type RampPlan, type RampStep, rampState } from "./ramp";

/** Runs the ramp against a system that passes every load up to `breaksAbove`. */
function ramp(plan: RampPlan, breaksAbove: number): RampStep[] {
  const steps: RampStep[] = [];
  for (let users = nextLoad(steps, plan); users !== undefined; users = nextLoad(steps, plan)) {
    steps.push({ users, pass: users <= breaksAbove });
    if (steps.length > 50) throw new Error("the ramp does not end");
  }
  return steps;
}

describe("the load test's ramp", () => {
  const plan = { start: 40, cap: 1280, room: 20 };

  it("doubles until a step fails, then bisects to the break within a room or a tenth", () => {
    const steps = ramp(plan, 500);
    expect(steps.map((s) => s.users)).toEqual([40, 80, 160, 320, 640, 480, 560, 520]);
    expect(rampState(steps)).toEqual({ largestPass: 480, firstFail: 520 });
  });

  it("stops at the cap when nothing fails, and says nothing failed", () => {
    const steps = ramp(plan, 10_000);
    expect(steps.map((s) => s.users)).toEqual([40, 80, 160, 320, 640, 1280]);
    expect(rampState(steps).firstFail).toBeUndefined();
  });

  it("bisects below the first step when it fails, down to one room", () => {
    const steps = ramp(plan, 0);
    expect(steps.map((s) => s.users)).toEqual([40, 20]);
    expect(rampState(steps)).toEqual({ largestPass: 0, firstFail: 20 });
  });

  it("ignores a pass above a failure (noise): the largest pass is below the lowest failure", () => {
    const steps: RampStep[] = [
      { users: 40, pass: true },
      { users: 80, pass: false },
      { users: 60, pass: true },
      { users: 100, pass: true },
    ];
    expect(rampState(steps)).toEqual({ largestPass: 60, firstFail: 80 });
    expect(nextLoad(steps, plan)).toBeUndefined();
  });
});

describe("the pass criteria", () => {
  const ok = {
    ops: 10_000,
    errors: 0,
    p99: { "message ack": 120 },
    lost: { deliveries: 0, inDb: 0, answers: 0, yjs: 0 },
  };

  it("passes a window within every limit", () => {
    expect(verdict(ok)).toEqual([]);
    expect(verdict({ ...ok, errors: 2 })).toEqual([]); // 0.02 % < 0.025 %
  });

  it("names each criterion a window breaks", () => {
    expect(verdict({ ...ok, errors: 3 })[0]).toMatch(/errors \+ timeouts 0\.030 %/);
    expect(verdict({ ...ok, p99: { "message delivery": 2000 } })).toEqual([
      "message delivery p99 2000 ms ≥ 2000 ms",
    ]);
    expect(verdict({ ...ok, lost: { ...ok.lost, inDb: 1, yjs: 2 } })).toEqual([
      "lost 1 messages not in the database, 2 Yjs updates",
    ]);
    expect(verdict({ ...ok, ops: 0 })).toEqual(["no operation completed"]);
  });
});
