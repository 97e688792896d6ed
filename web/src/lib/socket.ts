import type { Ack, ClientToServerEvents, ErrorBody, ServerToClientEvents } from "@engunity/shared";
import { io, type Socket } from "socket.io-client";
import { createEffect, createRoot, createSignal, untrack } from "solid-js";
import { renewAccessToken } from "./api";
import { accessToken, currentUser, signOut } from "./auth";

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type ConnectionState = "connecting" | "online" | "offline";

const [state, setState] = createSignal<ConnectionState>("connecting");
const [wasOnline, setWasOnline] = createSignal(false);
const [socket, setSocket] = createSignal<ClientSocket | null>(null);

/** Whether the realtime connection is up, for the banner and the outbox. */
export const connectionState = state;
/** True once this page has been online: the banner then says "reconnecting". */
export const hasBeenOnline = wasOnline;
/** The live socket, or null while signed out. */
export const currentSocket = socket;

function open(token: string): ClientSocket {
  const s: ClientSocket = io({
    path: "/socket.io",
    auth: { token },
    // Websocket first, as the server expects; polling stays as the fallback.
    transports: ["websocket", "polling"],
    reconnectionDelayMax: 5_000,
  });
  s.on("connect", () => {
    setWasOnline(true);
    setState("online");
  });
  s.on("disconnect", (reason) => {
    setState("offline");
    // The server cut us off (token expired, removed from a session): socket.io does
    // not retry that on its own. Reconnecting re-runs the handshake, which either
    // succeeds or refuses the token (handled below).
    if (reason === "io server disconnect") s.connect();
  });
  s.on("connect_error", (err) => {
    setState("offline");
    // The server refusing the token: retrying with it cannot succeed. A renewed one
    // may (the access token ran out while offline); the effect below hands it to the
    // socket. If the sign-in itself is over, that means signing in again.
    const data = (err as Error & { data?: { error?: { code?: string } } }).data;
    if (data?.error?.code === "unauthorized") {
      s.disconnect();
      void renewAccessToken().then((ok) => {
        if (ok) s.connect();
        else signOut();
      });
    }
  });
  return s;
}

// One socket per signed-in user, replaced when the user changes. A fresh token for
// the same user (the widget refreshes its short-lived one) only replaces the auth the
// next handshake sends: the live connection stays up.
let openFor: string | undefined;
createRoot(() => {
  createEffect(() => {
    const token = accessToken();
    const userId = currentUser()?.id;
    // untrack: reading the socket here must not make this effect depend on it.
    const prev = untrack(socket);
    if (prev && token && userId === openFor) {
      prev.auth = { token };
      return;
    }
    prev?.disconnect();
    openFor = token ? userId : undefined;
    if (!token) {
      setSocket(null);
      return;
    }
    setState("connecting");
    setSocket(open(token));
  });
});

type AckEvent = Exclude<keyof ClientToServerEvents, "typing">;
/** What the server acks an event with: `{ok: true, ...}` or `{error}`. */
export type AckOf<E extends AckEvent> = ClientToServerEvents[E] extends (
  payload: never,
  ack: Ack<infer T>,
) => void
  ? ({ ok: true } & T) | ErrorBody
  : never;

/** Emits with an ack, failing after `ms` when the server never answers. */
export function request<E extends AckEvent>(
  event: E,
  payload: Parameters<ClientToServerEvents[E]>[0],
  ms = 15_000,
): Promise<AckOf<E>> {
  const s = socket();
  if (!s?.connected) return Promise.reject(new Error("offline"));
  return new Promise((resolve, reject) => {
    // biome-ignore lint/suspicious/noExplicitAny: socket.io's typed emit cannot follow a generic event name.
    (s.timeout(ms) as any).emit(event, payload, (err: Error | null, res: AckOf<E>) => {
      if (err) reject(err);
      else resolve(res);
    });
  });
}
