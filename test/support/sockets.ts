import type { ClientToServerEvents, ServerToClientEvents } from "@engunity/shared";
import { io, type Socket } from "socket.io-client";

/** A typed Socket.IO client, as a browser or a widget would hold one. */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectOptions {
  /** `auth` sent with the handshake; defaults to `{token}`. */
  auth?: Record<string, unknown>;
  /** Extra handshake headers (an `Origin`, say). Node clients only. */
  headers?: Record<string, string>;
  query?: Record<string, string>;
  transports?: ("websocket" | "polling")[];
  timeoutMs?: number;
}

/** An unconnected client (autoConnect off, no reconnection): call `.connect()` yourself. */
export function createClient(
  url: string,
  token: string | undefined,
  opts: ConnectOptions = {},
): ClientSocket {
  return io(url, {
    path: "/socket.io",
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    transports: opts.transports ?? ["websocket"],
    auth: opts.auth ?? (token === undefined ? {} : { token }),
    extraHeaders: opts.headers,
    query: opts.query,
  });
}

/** Connects and resolves once connected; rejects with the `connect_error` (its `data` kept). */
export function connectClient(
  url: string,
  token: string | undefined,
  opts: ConnectOptions = {},
): Promise<ClientSocket> {
  const socket = createClient(url, token, opts);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`connect to ${url} timed out`));
    }, opts.timeoutMs ?? 5000);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("connect_error");
      resolve(socket);
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      socket.close();
      reject(err);
    });
    socket.connect();
  });
}

/** The `connect_error` a handshake ends in (fails the test if it connects instead). */
export async function connectError(
  url: string,
  token: string | undefined,
  opts: ConnectOptions = {},
): Promise<Error & { data?: any; description?: unknown }> {
  try {
    const socket = await connectClient(url, token, opts);
    socket.close();
  } catch (err) {
    return err as Error & { data?: any };
  }
  throw new Error("the handshake was accepted");
}

type EventName = keyof ServerToClientEvents | "disconnect" | "connect";
type Payload<E extends EventName> = E extends keyof ServerToClientEvents
  ? Parameters<ServerToClientEvents[E]>[0]
  : any;

/** The next `event` on `socket` matching `match`, or a rejection after `timeoutMs`. */
export function once<E extends EventName>(
  socket: ClientSocket,
  event: E,
  match: (payload: Payload<E>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<Payload<E>> {
  const s = socket as unknown as {
    on(e: string, l: (p: any) => void): void;
    off(e: string, l: (p: any) => void): void;
  };
  return new Promise((resolve, reject) => {
    const listener = (payload: Payload<E>) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      s.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      s.off(event, listener);
      reject(new Error(`no "${event}" within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on(event, listener);
  });
}

/** Records every `event` on `socket`, for assertions on order or absence. */
export function collect<E extends keyof ServerToClientEvents>(
  socket: ClientSocket,
  event: E,
): Payload<E>[] {
  const seen: Payload<E>[] = [];
  (socket as unknown as { on(e: string, l: (p: any) => void): void }).on(event, (p) =>
    seen.push(p),
  );
  return seen;
}

/** Emits with an ack and resolves with it; rejects when no ack comes within `timeoutMs`. */
export function emitAck(
  socket: ClientSocket,
  event: keyof ClientToServerEvents,
  payload: unknown,
  timeoutMs = 5000,
): Promise<any> {
  return (
    socket as unknown as {
      timeout(ms: number): { emitWithAck(e: string, p: unknown): Promise<any> };
    }
  )
    .timeout(timeoutMs)
    .emitWithAck(event, payload);
}

/**
 * Waits until every packet the server wrote to `socket` before now has arrived: an ack
 * comes back on the same connection, after anything broadcast to it earlier. Lets a
 * test assert that an event did NOT arrive without sleeping.
 */
export async function barrier(socket: ClientSocket): Promise<void> {
  await emitAck(socket, "session:leave", { sessionId: "00000000-0000-4000-8000-000000000000" });
}

/**
 * The one polling helper: re-checks `check` every few ms until it holds, failing with
 * `what` after `timeoutMs`. Only for state that has no event to wait on.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Connects to the first of `urls` that accepts: what a client behind a load balancer
 * gets when its node dies. Socket.IO's own reconnection only knows one URL.
 */
export async function connectAny(
  urls: string[],
  token: string,
  opts: ConnectOptions = {},
): Promise<{ socket: ClientSocket; url: string }> {
  const errors: string[] = [];
  for (const url of urls) {
    try {
      return { socket: await connectClient(url, token, opts), url };
    } catch (err) {
      errors.push(`${url}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no node accepted the connection: ${errors.join("; ")}`);
}
