import type { Server as HttpServer } from "node:http";
import { revocationCovers, settlesWithin } from "@engunity/core";
import { memberSessionIds } from "@engunity/db";
import {
  presenceFullRoom,
  sessionIdOfRoom,
  sessionWatchRoom,
  userRoom,
  widgetKeyRoom,
} from "@engunity/shared";
import type { AppContext } from "../context";
import { createUserDirectory } from "../presence/userDirectory";
import { filterVisitorSocket } from "../widget/visitorView";
import { socketHandlers } from "./handlers";
import { handshakeAuth, stillAdmitted } from "./handshakeAuth";
import { createJoinSnapshots, readJoinSnapshot } from "./joinSnapshots";
import { replayMissedMessages } from "./missedMessages";
import { startPresenceBroadcasts } from "./presenceBroadcaster";
import { onRoomEvents } from "./roomEvents";
import type { SocketRooms } from "./rooms";
import { createTokenExpiry } from "./tokenExpiry";
import type { Gateway, GatewayServer, GatewaySocket, SocketHandler } from "./types";
import { setTyping } from "./typingState";

/** What every watch room's name starts with. */
const WATCH_PREFIX = sessionWatchRoom("");

/** How long each shutdown step may take before it is abandoned. */
const CLOSE_STEP_MS = 2000;

export interface AttachedGateway {
  io: GatewayServer;
  close(): Promise<void>;
}

/**
 * Attaches the Socket.IO server built by `createSocketRooms` to a realtime node's HTTP
 * server and registers the handshake and every event handler on it.
 */
export function attachGateway(
  ctx: AppContext,
  rooms: SocketRooms,
  httpServer: HttpServer,
): AttachedGateway {
  const { metrics } = ctx;
  const { io, presence, emitter, redisClients } = rooms;
  io.attach(httpServer);
  let moves = 0;
  const gw: Gateway = {
    ctx,
    io,
    emitter,
    presence,
    users: createUserDirectory(ctx.db),
    snapshots: createJoinSnapshots((sessionId) => readJoinSnapshot(ctx, sessionId)),
    presenceView: (sessionId, self) => broadcasts.view(sessionId, self),
    socketMoves: () => moves,
  };

  // Presence follows room membership wherever it changes: a join here, a leave, a
  // disconnect, or an eviction sent from another node through the adapter.
  const nsp = io.of("/");
  // Every event delivered into a session room here drops that room's join snapshot;
  // every eviction (any socket moved through the adapter) is counted for joins.
  onRoomEvents(nsp.adapter, {
    changed: gw.snapshots.changed,
    moved: () => {
      moves += 1;
    },
  });
  const socketUsers = new Map<string, string>();
  nsp.adapter.on("create-room", (room: string) => {
    if (sessionIdOfRoom(room)) metrics.socketRooms.inc();
  });
  nsp.adapter.on("delete-room", (room: string) => {
    if (sessionIdOfRoom(room)) metrics.socketRooms.dec();
  });
  nsp.adapter.on("join-room", (room: string, id: string) => {
    const sessionId = sessionIdOfRoom(room);
    const userId = socketUsers.get(id);
    if (sessionId && userId) presence.add(sessionId, userId);
  });
  nsp.adapter.on("leave-room", (room: string, id: string) => {
    const sessionId = sessionIdOfRoom(room);
    const userId = socketUsers.get(id);
    if (!sessionId || !userId) return;
    presence.remove(sessionId, userId);
    const socket = nsp.sockets.get(id);
    if (socket) {
      setTyping(gw, socket, sessionId, false);
      void socket.leave(presenceFullRoom(sessionId));
    }
  });
  const broadcasts = startPresenceBroadcasts(gw);
  /** Revocations heard here: one heard during a handshake makes it check again. */
  let revocations = 0;
  // A sign-out anywhere cuts this node's sockets of that login (or of the whole user).
  const stopRevocations = ctx.revocation.onRevoke((event) => {
    revocations += 1;
    const ids = [...(nsp.adapter.rooms.get(userRoom(event.userId)) ?? [])];
    for (const id of ids) {
      const socket = nsp.sockets.get(id);
      if (socket && revocationCovers(event, socket.data.userId, socket.data.jti)) {
        socket.disconnect(true);
      }
    }
  });

  // Back from a break in Redis (the revocations' subscription or the adapter's):
  // revocations, widget key cuts, evictions and room events published meanwhile were
  // lost to this node. Check again what its sockets hold, and read the rooms' join
  // snapshots again.
  const resync = () => {
    gw.snapshots.clear();
    recheckAll().catch((err: unknown) =>
      ctx.logger.warn({ err }, "sockets not re-checked after Redis came back"),
    );
  };
  const stopResubscribed = ctx.revocation.onResubscribed(resync);
  if (rooms.subscriber) {
    const sub = rooms.subscriber;
    let wasReady = sub.status === "ready";
    let brokeAt: number | null = null;
    sub.on("close", () => {
      brokeAt ??= Date.now();
    });
    sub.on("ready", () => {
      if (wasReady) resync();
      wasReady = true;
      const since = brokeAt;
      brokeAt = null;
      if (since === null) return;
      // ioredis sends the resubscription right after "ready": a PING queued behind it
      // answers once it is in effect, and the replay's read starts after that.
      setImmediate(() => {
        sub
          .ping()
          .then(() => replayMissedMessages(gw, since))
          .then((count) => {
            if (count) ctx.logger.info({ count }, "messages stored while Redis was away replayed");
          })
          .catch((err: unknown) =>
            ctx.logger.warn({ err }, "messages stored while Redis was away not replayed"),
          );
      });
    });
  }
  async function recheckAll(): Promise<void> {
    // Logins, accounts and widget keys: once per distinct (user, login, key).
    const groups = new Map<string, GatewaySocket[]>();
    for (const socket of nsp.sockets.values()) {
      const { userId, jti, widgetKeyId } = socket.data;
      const key = `${userId}/${jti ?? ""}/${widgetKeyId ?? ""}`;
      const group = groups.get(key);
      if (group) group.push(socket);
      else groups.set(key, [socket]);
    }
    for (const group of groups.values()) {
      const admitted = await stillAdmitted(ctx, group[0]!.data).catch((err: unknown) => {
        ctx.logger.warn({ err }, "socket not re-checked after Redis came back");
        return true;
      });
      if (!admitted) {
        for (const socket of group) socket.disconnect(true);
      }
    }
    // Memberships (an eviction is a message too): one read per session whose room or
    // watch room this node holds.
    const members = new Map<string, Set<string>>();
    for (const [room, ids] of [...nsp.adapter.rooms]) {
      const sessionId =
        sessionIdOfRoom(room) ??
        (room.startsWith(WATCH_PREFIX) ? room.slice(WATCH_PREFIX.length) : null);
      if (!sessionId) continue;
      // Those in the room before the read: a socket joining meanwhile was let in by a
      // membership read of its own, maybe newer than this one.
      const inRoom = [...ids];
      let userIds = members.get(sessionId);
      if (!userIds) {
        const rows = await ctx.db.models.SessionMember.findAll({
          where: { sessionId },
          attributes: ["userId"],
          raw: true,
        });
        userIds = new Set(rows.map((r) => r.userId));
        members.set(sessionId, userIds);
      }
      for (const id of inRoom) {
        const socket = nsp.sockets.get(id);
        if (socket && !userIds.has(socket.data.userId)) void socket.leave(room);
      }
    }
  }

  // What `revocations` and the socket moves (a widget key's cut is one) read as each
  // handshake began, until its socket connects.
  // A user token's handshake also hands over the watch rooms it read with the login.
  const admittedAt = new WeakMap<
    GatewaySocket,
    { revocations: number; moves: number; watchRooms?: string[] }
  >();
  const authenticate = handshakeAuth(ctx, (socket, sessionIds) => {
    const admitted = admittedAt.get(socket);
    if (admitted) admitted.watchRooms = sessionIds;
  });
  io.use((socket, next) => {
    admittedAt.set(socket, { revocations, moves });
    authenticate(socket, next);
  });
  // Everything a connection gets is shared by every socket — the handlers, the dispatch,
  // the expiry schedule, the disconnect listener — so an idle socket costs what Socket.IO
  // itself costs plus its rooms and `data` (heap per idle socket, issue 16).
  const handlers = new Map<string, SocketHandler>(socketHandlers.map((h) => [h.event, h]));
  // A catch-all listener is handed every event, with the socket as `this`: one table
  // lookup instead of a listener per event per socket.
  function dispatch(this: GatewaySocket, event: string, ...args: unknown[]) {
    const handler = handlers.get(event);
    metrics.socketEventsIn.inc({ event: handler ? event : "unknown" });
    handler?.handle(gw, this, args);
  }
  const expiry = createTokenExpiry(nsp.sockets);
  // After the room leaves: Socket.IO leaves every room before "disconnect".
  function onDisconnect(this: GatewaySocket) {
    socketUsers.delete(this.id);
    metrics.socketConnections.dec();
  }
  io.on("connection", (socket) => {
    const { userId } = socket.data;
    // A visitor receives only what the contract lets a visitor see (widget/visitorView.ts).
    if (socket.data.widgetKeyId) filterVisitorSocket(socket);
    socketUsers.set(socket.id, userId);
    metrics.socketConnections.inc();
    socket.onAny(dispatch);
    void socket.join(userRoom(userId));
    // One read per connection, none per message: the watch rooms of its memberships.
    // `ctx.watch` and `ctx.evict` reach the socket through its user room, from now on. A
    // user token's handshake read them with the login; kept only if no socket of this
    // node was moved through the adapter since the handshake began (a watch or an
    // eviction then may have missed this socket). Otherwise, and for a widget token,
    // they are read now, after the join: a membership that changes after that read
    // still gets to this socket.
    const admitted = admittedAt.get(socket);
    admittedAt.delete(socket);
    if (admitted?.watchRooms && admitted.moves === moves) {
      if (admitted.watchRooms.length > 0) {
        void socket.join(admitted.watchRooms.map(sessionWatchRoom));
      }
    } else {
      void memberSessionIds(ctx.db, userId)
        .then((ids) => socket.join(ids.map(sessionWatchRoom)))
        .catch((err: unknown) => ctx.logger.warn({ err }, "watch rooms not joined"));
    }
    if (socket.data.widgetKeyId) void socket.join(widgetKeyRoom(socket.data.widgetKeyId));
    // A revocation (or a widget key's cut) heard since the handshake began looked for
    // this socket in its user's (key's) room before it was there, and the handshake's
    // checks may have read before it: ask again, now that any later one finds it.
    if (
      admitted?.revocations !== revocations ||
      (socket.data.widgetKeyId && admitted.moves !== moves)
    ) {
      void stillAdmitted(ctx, socket.data).then(
        (ok) => {
          if (!ok) socket.disconnect(true);
        },
        (err: unknown) => {
          ctx.logger.warn({ err }, "socket admission not re-checked; cut");
          socket.disconnect(true);
        },
      );
    }
    expiry.add(socket);
    socket.on("disconnect", onDisconnect);
  });

  let closing: Promise<void> | undefined;
  return {
    io,
    close() {
      closing ??= (async () => {
        broadcasts.stop();
        stopRevocations();
        stopResubscribed();
        expiry.close();
        // Not io.close(): that would also close the HTTP server, which the node owns.
        // Closing the transports rather than disconnecting the sockets: a client sees
        // "transport close" and Socket.IO's own reconnection takes it, through the proxy,
        // to another node; a server-side disconnect would tell it not to come back.
        io.engine.close();
        // Redis may be down at shutdown: unsubscribing and quitting would wait forever.
        await settlesWithin(Promise.resolve(nsp.adapter.close()), CLOSE_STEP_MS);
        await settlesWithin(presence.close(), CLOSE_STEP_MS);
        await Promise.all(
          redisClients.map((r) =>
            settlesWithin(r.quit(), CLOSE_STEP_MS).then((done) => {
              if (!done) r.disconnect();
            }),
          ),
        );
      })();
      return closing;
    },
  };
}
