import type { RoomEmitter } from "@engunity/core";
import type { ClientToServerEvents, ServerToClientEvents } from "@engunity/shared";
import type { Server, Socket } from "socket.io";
import type { AppContext } from "../context";
import type { PresenceStore } from "../presence/presenceStore";
import type { UserDirectory } from "../presence/userDirectory";
import type { JoinSnapshots } from "./joinSnapshots";
import type { PresenceView } from "./presenceBroadcaster";

/** What the handshake stores on every socket. */
export interface SocketData {
  userId: string;
  /** Token expiry, seconds since the epoch. */
  exp: number;
  /** A widget token's one session: the socket may touch no other. */
  sid?: string;
  /** A widget token's key: revoking it disconnects the socket. */
  widgetKeyId?: string;
  /** A user token's login session: signing it out cuts this socket. */
  jti?: string;
}

type NoServerEvents = Record<string, never>;

export type GatewayServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  NoServerEvents,
  SocketData
>;
export type GatewaySocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  NoServerEvents,
  SocketData
>;

/** What every socket handler gets besides its socket. */
export interface Gateway {
  ctx: AppContext;
  io: GatewayServer;
  /** Emits into rooms on every node, counting events out. */
  emitter: RoomEmitter;
  presence: PresenceStore;
  users: UserDirectory;
  /** Each room's join-ack snapshot (session, history page, members page), read once. */
  snapshots: JoinSnapshots;
  /** Who this node's sockets were last told is in a room (the join ack's snapshot). */
  presenceView(sessionId: string, self?: string): Promise<PresenceView>;
  /**
   * How many times this node's sockets were moved between rooms or disconnected through
   * the adapter (evictions among them): unchanged over a join, no eviction ran here.
   */
  socketMoves(): number;
}

/**
 * One client event's handler, made once for the whole node: the gateway looks it up by
 * event name and calls it with the socket, so a connection adds no closures of its own
 * (heap per idle socket, issue 16). Adding an event is one entry in `handlers/index.ts`.
 */
export interface SocketHandler {
  event: keyof ClientToServerEvents;
  /** `args` as the client sent them: the payload, then the ack function if it gave one. */
  handle(gw: Gateway, socket: GatewaySocket, args: unknown[]): void;
}
