import {
  type Config,
  connectRedis,
  type Logger,
  originAllowed,
  type RoomEmitter,
  redisKeys,
} from "@engunity/core";
import type { Db } from "@engunity/db";
import { LIMITS, sessionRoom, sessionWatchRoom, userRoom, widgetKeyRoom } from "@engunity/shared";
import { createAdapter } from "@socket.io/redis-adapter";
import type { Redis } from "ioredis";
import { Server } from "socket.io";
import type { AppContext } from "../context";
import type { Metrics } from "../metrics";
import { createMemoryPresence } from "../presence/memoryPresence";
import type { PresenceStore } from "../presence/presenceStore";
import { createRedisPresence } from "../presence/redisPresence";
import { createWidgetOriginGate } from "../widget/widgetOrigins";
import type { GatewayServer } from "./types";

/**
 * The Socket.IO server of a node before any handler is attached: its rooms (across
 * nodes through the Redis adapter with `REDIS_URL`), presence, and the room hooks the
 * context carries. Built before the context so the context is complete from the start.
 */
export interface SocketRooms
  extends Pick<AppContext, "emitter" | "evict" | "watch" | "cutWidgetKey" | "onlineUserIds"> {
  io: GatewayServer;
  presence: PresenceStore;
  /** The adapter's Redis connections (closed with the gateway). */
  redisClients: Redis[];
  /** The adapter's subscriber (scaled mode): what it misses while away is lost. */
  subscriber: Redis | null;
}

export function createSocketRooms(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Db;
  redis: Redis | null;
}): SocketRooms {
  const { config, logger, metrics } = deps;
  const widgetOrigin = createWidgetOriginGate(deps.db);
  // Not attached yet: the gateway attaches it to the node's HTTP server, after the app.
  const io: GatewayServer = new Server({
    path: "/socket.io",
    maxHttpBufferSize: LIMITS.socketFrameBytes,
    transports: ["websocket", "polling"],
    // The Yjs endpoint shares this server's `upgrade` event; engine.io must leave
    // upgrades that are not its own alone instead of destroying them.
    destroyUpgrade: false,
    // Our origins, or a live widget key's (the handshake then accepts only a widget
    // token of a key that allows that origin).
    allowRequest: (req, callback) => {
      const { origin, host } = req.headers;
      const decide = (ok: boolean) => {
        if (!ok) logger.warn({ origin }, "socket handshake from a disallowed origin");
        callback(ok ? null : "Origin not allowed", ok);
      };
      if (originAllowed(origin, host, config.ALLOWED_ORIGINS) || origin === undefined) {
        decide(true);
        return;
      }
      widgetOrigin(origin).then(decide, (err: unknown) => {
        logger.warn({ err }, "could not read widget origins");
        decide(false);
      });
    },
  });

  const redisClients: Redis[] = [];
  let subscriber: Redis | null = null;
  if (config.REDIS_URL) {
    // Not auto-pipelined: the adapter publishes a broadcast before it writes to this
    // node's sockets, and a publish held for the loop turn's end (setImmediate) would
    // reach the other nodes only after this node's whole fan-out (and whatever else
    // ran in that turn). Written at once, the other nodes deliver alongside this one.
    const pub = connectRedis(config.REDIS_URL, logger, "engunity-sio-pub", {
      swallowPublishErrors: true,
    });
    const sub = connectRedis(config.REDIS_URL, logger, "engunity-sio-sub", {
      waitForConnection: true,
    });
    redisClients.push(pub, sub);
    subscriber = sub;
    io.adapter(createAdapter(pub, sub, { key: redisKeys(config.REDIS_PREFIX).socketIo }));
  }
  const presence =
    deps.redis && config.REDIS_URL
      ? createRedisPresence({
          redis: deps.redis,
          subscriber: connectRedis(config.REDIS_URL, logger, "engunity-presence-sub", {
            waitForConnection: true,
          }),
          keyPrefix: redisKeys(config.REDIS_PREFIX).presence,
          logger,
        })
      : createMemoryPresence();

  const emitter: RoomEmitter = {
    to: (room, except) => ({
      emit: (event, ...args) => {
        metrics.socketEventsOut.inc({ event });
        return (except ? io.to(room).except(except) : io.to(room)).emit(event, ...args);
      },
    }),
  };
  return {
    io,
    presence,
    redisClients,
    subscriber,
    emitter,
    evict: (sessionId, userId) => {
      const room = sessionRoom(sessionId);
      const watch = sessionWatchRoom(sessionId);
      io.in(userId ? userRoom(userId) : room).socketsLeave(room);
      io.in(userId ? userRoom(userId) : watch).socketsLeave(watch);
    },
    watch: (sessionId, userId) => {
      io.in(userRoom(userId)).socketsJoin(sessionWatchRoom(sessionId));
    },
    cutWidgetKey: (keyId) => {
      // Through the adapter, so the widget's sockets on every node go.
      io.in(widgetKeyRoom(keyId)).disconnectSockets(true);
    },
    onlineUserIds: async (sessionId) => new Set(await presence.userIds(sessionId)),
  };
}
