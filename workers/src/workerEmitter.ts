import { type RoomEmitter, redisKeys } from "@engunity/core";
import type { ServerToClientEvents } from "@engunity/shared";
import { Emitter } from "@socket.io/redis-emitter";
import type { Redis } from "ioredis";

/**
 * The room emitter of a worker in scaled mode: `@socket.io/redis-emitter` publishing on
 * the key the realtime nodes' redis adapter listens to (`redisKeys().socketIo`).
 */
export function createRedisRoomEmitter(redis: Redis, prefix: string): RoomEmitter {
  const emitter = new Emitter<ServerToClientEvents>(redis, { key: redisKeys(prefix).socketIo });
  return {
    to: (room, except) => ({
      emit: (event, ...args) =>
        emitter
          .to(room)
          .except(except ?? [])
          .emit(event, ...args),
    }),
  };
}
