import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTokenExpiry } from "./tokenExpiry";
import type { GatewaySocket } from "./types";

const T0 = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

/** Socket.IO's map of connected sockets, with sockets that record when they were cut. */
function namespace() {
  const sockets = new Map<string, GatewaySocket>();
  const cuts: { id: string; at: number }[] = [];
  let n = 0;
  const connect = (expMs: number) => {
    const id = `s${++n}`;
    const socket = {
      id,
      data: { exp: expMs / 1000 },
      disconnect() {
        cuts.push({ id, at: Date.now() });
        sockets.delete(id);
      },
    } as unknown as GatewaySocket;
    sockets.set(id, socket);
    return socket;
  };
  return { sockets, cuts, connect };
}

describe("createTokenExpiry", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("cuts every socket at its own expiry, in any order of arrival, with one timer", () => {
    const { sockets, cuts, connect } = namespace();
    const expiry = createTokenExpiry(sockets);
    // Later expiries first: each earlier one must re-arm the timer.
    for (const s of [9000, 5000, 7000, 1000, 7000].map((ms) => connect(T0 + ms))) {
      expiry.add(s);
    }
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(999);
    expect(cuts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(cuts).toEqual([{ id: "s4", at: T0 + 1000 }]);
    vi.advanceTimersByTime(10_000);
    // Sockets due at the same time go in either order.
    cuts.sort((a, b) => a.at - b.at || a.id.localeCompare(b.id));
    expect(cuts).toEqual([
      { id: "s4", at: T0 + 1000 },
      { id: "s2", at: T0 + 5000 },
      { id: "s3", at: T0 + 7000 },
      { id: "s5", at: T0 + 7000 },
      { id: "s1", at: T0 + 9000 },
    ]);
    expect(expiry.size()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("skips a socket that left, and cuts one whose token has already run out at once", () => {
    const { sockets, cuts, connect } = namespace();
    const expiry = createTokenExpiry(sockets);
    const gone = connect(T0 + 1000);
    const stays = connect(T0 + 2000);
    expiry.add(gone);
    expiry.add(stays);
    sockets.delete(gone.id);
    vi.advanceTimersByTime(2000);
    expect(cuts).toEqual([{ id: stays.id, at: T0 + 2000 }]);
    const stale = connect(T0 - 5000);
    expiry.add(stale);
    vi.advanceTimersByTime(0);
    expect(cuts.at(-1)).toEqual({ id: stale.id, at: T0 + 2000 });
  });

  it("waits past setTimeout's 24.8-day ceiling", () => {
    const { sockets, cuts, connect } = namespace();
    const expiry = createTokenExpiry(sockets);
    expiry.add(connect(T0 + 30 * DAY_MS));
    vi.advanceTimersByTime(30 * DAY_MS - 1);
    expect(cuts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(cuts).toEqual([{ id: "s1", at: T0 + 30 * DAY_MS }]);
  });

  it("does not grow with sockets that came and went before their expiry", () => {
    const { sockets, cuts, connect } = namespace();
    const expiry = createTokenExpiry(sockets);
    const held = Array.from({ length: 100 }, (_, i) => connect(T0 + DAY_MS + i));
    for (const s of held) expiry.add(s);
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      const s = connect(T0 + DAY_MS / 2 + i);
      expiry.add(s);
      sockets.delete(s.id);
      most = Math.max(most, expiry.size());
    }
    // About twice the 100 live sockets (plus a little slack), not 10,100.
    expect(most).toBeLessThanOrEqual(2 * 100 + 66);
    vi.advanceTimersByTime(DAY_MS + 100);
    expect(cuts.map((c) => c.id)).toEqual(held.map((s) => s.id));
  });

  it("stops at close", () => {
    const { sockets, cuts, connect } = namespace();
    const expiry = createTokenExpiry(sockets);
    expiry.add(connect(T0 + 1000));
    expiry.close();
    vi.advanceTimersByTime(2000);
    expect(cuts).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
