import { sessionRoom } from "@engunity/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startPresenceBroadcasts } from "./presenceBroadcaster";
import type { Gateway } from "./types";

/**
 * The broadcaster's timing and its views, on a gateway with only what it touches: a
 * room of `local` sockets on this node, a presence store the test moves, and the events
 * it would send (time-stamped on fake timers).
 */
function fakeGateway(local: number) {
  const here: string[] = [];
  let listener: (sessionId: string) => void = () => {};
  const sent: { event: string; at: number; payload: { count: number } }[] = [];
  const room = new Set(Array.from({ length: local }, (_, i) => `sock${i}`));
  const to = () => ({
    except: () => ({
      emit: (event: string, payload: { count: number }) => {
        sent.push({ event, at: Date.now(), payload });
      },
    }),
    emit: () => {},
  });
  const gw = {
    io: {
      of: () => ({ adapter: { rooms: new Map([[sessionRoom("s1"), room]]) } }),
      local: { to },
    },
    presence: {
      userIds: async () => [...here],
      onChange: (fn: (sessionId: string) => void) => {
        listener = fn;
      },
    },
    users: {
      users: async (ids: string[]) => ids.map((id) => ({ id, displayName: id })),
    },
    ctx: {
      metrics: { socketEventsOut: { inc: () => {} } },
      logger: { warn: () => {} },
    },
  } as unknown as Gateway;
  const join = (id: string) => {
    here.push(id);
    listener("s1");
  };
  return { gw, join, sent };
}

describe("presence broadcasts", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends a crowd's changes once it is quiet (75 ms at 500 sockets), not a whole cap (525 ms) later", async () => {
    const { gw, join, sent } = fakeGateway(500);
    const broadcasts = startPresenceBroadcasts(gw);
    join("u1");
    await vi.advanceTimersByTimeAsync(74);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sent.map((s) => [s.event, s.at, s.payload.count])).toEqual([["presence:join", 75, 1]]);
    broadcasts.stop();
  });

  it("holds a storm's changes to one event per cap while they keep coming", async () => {
    const { gw, join, sent } = fakeGateway(500);
    const broadcasts = startPresenceBroadcasts(gw);
    // A join every 10 ms (0 … 1,190 ms): never quiet for 75 ms, so the cap (525 ms from
    // the first change waiting) sends, twice; the last goes 75 ms after the last join.
    for (let i = 0; i < 120; i++) {
      join(`u${i}`);
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(200);
    const joins = sent.filter((s) => s.event === "presence:join");
    expect(joins.map((s) => s.at)).toEqual([525, 1055, 1265]);
    expect(joins.at(-1)!.payload.count).toBe(120);
    broadcasts.stop();
  });

  it("reads a join's view without copying the room: the joiner counted and paged after everyone", async () => {
    const { gw, join } = fakeGateway(2);
    const broadcasts = startPresenceBroadcasts(gw);
    join("u1");
    join("u2");
    const view = await broadcasts.view("s1", "u3");
    expect(view.count).toBe(3);
    expect(view.slice(0)).toEqual(["u1", "u2", "u3"]);
    expect(view.slice(1, 1)).toEqual(["u2"]);
    expect(view.slice(2, 5)).toEqual(["u3"]);
    expect(view.slice(3, 5)).toEqual([]);
    expect([view.has("u1"), view.has("u3"), view.has("u4")]).toEqual([true, true, false]);
    const own = await broadcasts.view("s1", "u1");
    expect([own.count, own.slice(0)]).toEqual([2, ["u1", "u2"]]);
    broadcasts.stop();
  });
});
