import type { ServerToClientEvents } from "@engunity/shared";

/**
 * Anything that can emit a server event into a room: the Socket.IO server on a
 * realtime node, `@socket.io/redis-emitter` in a worker, or a no-op before sockets
 * exist. Domain code announces through this and never imports socket.io.
 */
export interface RoomEmitter {
  /** `except`: sockets in these rooms are left out (on every node). */
  to(
    room: string | string[],
    except?: string | string[],
  ): {
    emit<E extends keyof ServerToClientEvents>(
      event: E,
      ...args: Parameters<ServerToClientEvents[E]>
    ): unknown;
  };
}

/** Emits nothing; used where no room fan-out is wired (unit tests, scripts). */
export const silentEmitter: RoomEmitter = {
  to: () => ({ emit: () => true }),
};
