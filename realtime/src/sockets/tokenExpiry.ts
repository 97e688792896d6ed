import type { GatewaySocket } from "./types";

/** setTimeout's ceiling (about 24.8 days); longer waits are chained. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Cuts each socket of a node when its token expires (`socket.data.exp`). */
export interface TokenExpiry {
  /** Schedules a connected socket's cut; a socket that has gone by then is skipped. */
  add(socket: GatewaySocket): void;
  /** Stops the timer (at shutdown). */
  close(): void;
  /** Entries held, gone sockets' included until swept (bounded by about twice the live ones). */
  size(): number;
}

/**
 * A token is checked once, at the handshake, so without this a socket would outlive it
 * indefinitely. One timer for the whole node, set for the earliest expiry, over a
 * min-heap of (expiry, socket id) — not a timer and closures per socket (heap per idle
 * socket, issue 16).
 *
 * A disconnect does not touch the heap: its entry is skipped when it comes due (the id
 * is no longer in `sockets`, Socket.IO's map of the namespace's connected sockets), and
 * when stale entries outnumber the live sockets the heap is rebuilt without them, so
 * churn cannot grow it. Entries hold ids, never sockets: a gone socket is not retained.
 */
export function createTokenExpiry(sockets: ReadonlyMap<string, GatewaySocket>): TokenExpiry {
  // The heap, as two parallel arrays ordered by `at` (ms since the epoch).
  const at: number[] = [];
  const ids: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;

  const swap = (i: number, j: number) => {
    [at[i], at[j]] = [at[j]!, at[i]!];
    [ids[i], ids[j]] = [ids[j]!, ids[i]!];
  };
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (at[parent]! <= at[i]!) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < at.length && at[l]! < at[least]!) least = l;
      if (r < at.length && at[r]! < at[least]!) least = r;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  };
  const pop = () => {
    const last = at.length - 1;
    swap(0, last);
    at.pop();
    ids.pop();
    down(0);
  };
  /** Keeps the entries of sockets still connected (O(n), after O(n) disconnects). */
  const compact = () => {
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      if (!sockets.has(ids[i]!)) continue;
      at[n] = at[i]!;
      ids[n] = ids[i]!;
      n += 1;
    }
    at.length = n;
    ids.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) down(i);
  };

  const arm = () => {
    const next = at[0] ?? Number.POSITIVE_INFINITY;
    if (next === armedFor) return;
    clearTimeout(timer);
    timer = undefined;
    armedFor = next;
    if (next === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(fire, Math.min(Math.max(next - Date.now(), 0), MAX_DELAY_MS));
    // Open sockets keep the process up by themselves; this must not at shutdown.
    timer.unref();
  };
  function fire() {
    armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    while (at.length > 0 && at[0]! <= now) {
      const socket = sockets.get(ids[0]!);
      pop();
      if (socket && socket.data.exp * 1000 <= now) socket.disconnect(true);
    }
    arm();
  }

  return {
    add(socket) {
      if (at.length >= 2 * sockets.size + 64) compact();
      at.push(socket.data.exp * 1000);
      ids.push(socket.id);
      up(at.length - 1);
      arm();
    },
    close() {
      clearTimeout(timer);
      timer = undefined;
      armedFor = Number.POSITIVE_INFINITY;
      at.length = 0;
      ids.length = 0;
    },
    size: () => at.length,
  };
}
