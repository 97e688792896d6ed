/** Rooms for the socket benches: an Engunity session with N members, and a byte meter on a client. */
import type { Db } from "@engunity/db";
import type { Socket } from "socket.io-client";

/** A session owned by `users[0]` with `users` as members (the rest with `role`); its id. */
export async function createBenchSession(
  db: Db,
  users: { id: string }[],
  title: string,
  role: "editor" | "viewer" = "editor",
): Promise<string> {
  const session = await db.models.ChatSession.create({
    userId: users[0]!.id,
    title,
    settings: {},
  });
  await db.models.SessionMember.bulkCreate(
    users.map((u, i) => ({ sessionId: session.id, userId: u.id, role: i === 0 ? "owner" : role })),
  );
  return session.id;
}

/** Bytes a client has received, by event name ("ack" for acknowledgements), counted off the wire. */
export interface FrameMeter {
  total: number;
  frames: number;
  byEvent: Map<string, number>;
  /** Size of the last frame of each event (a whole engine.io frame, as sent). */
  lastFrame: Map<string, number>;
  /** performance.now() of the last frame received. */
  lastAt: number;
  reset(): void;
}

const EVENT_NAME = /^2(?:\/[^,]*,)?\d*\["([^"]+)"/;

/**
 * Counts every engine.io message frame the client receives: its bytes (UTF-8, with the
 * engine's one-byte type prefix), whatever the events are called — so the same meter
 * reads a protocol with full presence lists and one with incremental presence events.
 */
export function meterFrames(socket: Socket): FrameMeter {
  const meter: FrameMeter = {
    total: 0,
    frames: 0,
    byEvent: new Map(),
    lastFrame: new Map(),
    lastAt: 0,
    reset() {
      meter.total = 0;
      meter.frames = 0;
      meter.byEvent.clear();
    },
  };
  socket.io.engine.on("packet", (packet: { type: string; data?: unknown }) => {
    if (packet.type !== "message") return;
    const data = packet.data;
    const bytes =
      1 +
      (typeof data === "string"
        ? Buffer.byteLength(data)
        : ((data as ArrayBuffer | undefined)?.byteLength ?? 0));
    const name =
      typeof data === "string"
        ? data.startsWith("3")
          ? "ack"
          : (EVENT_NAME.exec(data)?.[1] ?? "other")
        : "binary";
    meter.total += bytes;
    meter.frames += 1;
    meter.byEvent.set(name, (meter.byEvent.get(name) ?? 0) + bytes);
    meter.lastFrame.set(name, bytes);
    meter.lastAt = performance.now();
  });
  return meter;
}

export type Target = "engunity" | "bare";

export interface JoinedRoom {
  clients: Socket[];
  meters: FrameMeter[];
  /** From the first connect to the last join ack. */
  joinMs: number;
  /** From the first connect until no client had received a frame for `quietMs`. */
  settleMs: number;
  /** False when frames were still arriving at the deadline. */
  settled: boolean;
}

/**
 * Connects `urls.length`-way split clients (client i on urls[i % n]) and joins them
 * into one room — `session:join` on Engunity, the floor's bare `join` — `concurrency`
 * at a time, each with a byte meter from its first frame; then waits until the room
 * is quiet (no frame anywhere for `quietMs`: the join storm's presence has drained).
 */
export async function joinRoom(opts: {
  target: Target;
  urls: string[];
  room: string;
  tokens: string[];
  n: number;
  concurrency?: number;
  quietMs?: number;
  settleTimeoutMs?: number;
  connect: (url: string, auth: Record<string, string>) => Promise<Socket>;
}): Promise<JoinedRoom> {
  const concurrency = opts.concurrency ?? 50;
  const quietMs = opts.quietMs ?? 6000;
  const clients: Socket[] = [];
  const meters: FrameMeter[] = [];
  const t0 = performance.now();
  for (let i = 0; i < opts.n; i += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, opts.n - i) }, async (_, j) => {
      const k = i + j;
      const socket = await opts.connect(
        opts.urls[k % opts.urls.length]!,
        opts.target === "engunity" ? { token: opts.tokens[k]! } : {},
      );
      const meter = meterFrames(socket);
      const ack =
        opts.target === "engunity"
          ? await socket.timeout(60_000).emitWithAck("session:join", { sessionId: opts.room })
          : await socket.timeout(60_000).emitWithAck("join", opts.room);
      if (!ack?.ok) throw new Error(`join failed: ${JSON.stringify(ack).slice(0, 300)}`);
      clients[k] = socket;
      meters[k] = meter;
    });
    await Promise.all(batch);
  }
  const joinMs = performance.now() - t0;
  const deadline = performance.now() + (opts.settleTimeoutMs ?? 120_000);
  const lastFrame = () => Math.max(...meters.map((m) => m.lastAt));
  while (performance.now() - lastFrame() < quietMs && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const settled = performance.now() - lastFrame() >= quietMs;
  return { clients, meters, joinMs, settleMs: lastFrame() - t0, settled };
}
