import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { revocationCovers, toError } from "@engunity/core";
import { isUserActive } from "@engunity/db";
import { yjsRoom } from "@engunity/shared";
import type { Redis } from "ioredis";
import { type WebSocket, WebSocketServer } from "ws";
import { publish } from "../announce";
import type { AppContext } from "../context";
import { type Admission, admitHandshake, YJS_PATH_PREFIX } from "./admitHandshake";
import { DocRegistry } from "./DocRegistry";
import { DocStore } from "./docStore";
import { handleFrame } from "./handleFrame";
import { mirrorTitle } from "./mirrorTitle";
import { encodeAwareness, encodeSyncStep1 } from "./protocol";
import { createRedisDocSync } from "./redisDocSync";
import type { SharedDoc } from "./SharedDoc";
import type { TicketStore } from "./tickets";
import { DEFAULT_MAX_UPDATE_BYTES, type YjsBudget } from "./updateBudget";
import { YjsConnection } from "./YjsConnection";

const PING_INTERVAL_MS = 30_000;
const SHUTDOWN_STORE_TIMEOUT_MS = 5_000;

type Admitted = Extract<Admission, { ok: true }>;

/** Server edits of a session's doc: a REST rename replaces the title. */
export type DocEdits = AppContext["docs"];

/** What the Yjs endpoint is built from (the node's composition root passes these in). */
export type YjsDeps = Pick<
  AppContext,
  "config" | "logger" | "metrics" | "db" | "revocation" | "emitter" | "access"
> & {
  /** Issued by `POST /yjs/ticket`, redeemed here at the upgrade. */
  tickets: TicketStore;
  /** Scaled mode: opens the Redis connections peer sync uses. */
  createRedis?: (name: string) => Redis;
};

export interface YjsServer {
  /** Starts answering upgrades under `/yjs/` on this HTTP server. */
  attach(httpServer: Server): void;
  edits: DocEdits;
  /** Closes a user's (or, without userId, everyone's) Yjs connections to a session, on every node. */
  evict(sessionId: string, userId?: string): void;
  /** A member's role changed: their connections may (no longer) write, on every node, at once. */
  setRole(sessionId: string, userId: string, canWrite: boolean): void;
  registry: DocRegistry;
  connectionCount(): number;
  /** Re-reads connected members' roles now (it also runs every ping interval). */
  refreshRoles(): Promise<void>;
  /** Closes every connection, stores every doc, and lets go of Redis. */
  close(): Promise<void>;
}

/**
 * The y-websocket endpoint `/yjs/<room>` of a realtime node. Once attached it handles
 * only upgrades under `/yjs/` and leaves every other path (Socket.IO's) alone.
 */
export function createYjsServer(ctx: YjsDeps): YjsServer {
  const { config, logger, metrics, tickets } = ctx;
  const registry = new DocRegistry({
    db: ctx.db,
    store: new DocStore(ctx.db, config.YJS_COMPACT_AFTER_ROWS),
    logger,
    writeTitle: async (sessionId, title) => publish(ctx, await mirrorTitle(ctx, sessionId, title)),
    onPersistFailure: () => metrics.yjsPersistFailures.inc(),
    onUpdateBytes: (bytes, source) => metrics.yjsUpdateBytes.inc({ source }, bytes),
    onOpenDocsChanged: (count) => metrics.yjsOpenDocs.set(count),
  });
  if (ctx.createRedis) {
    registry.sync = createRedisDocSync({
      prefix: config.REDIS_PREFIX,
      nodeId: randomUUID(),
      subscriber: ctx.createRedis("engunity-yjs-sub"),
      publisher: ctx.createRedis("engunity-yjs-pub"),
      logger,
      handlers: {
        onMessage: (room, message, from) => registry.onPeerMessage(room, message, from),
        onReconnect: () => registry.resyncAll(),
      },
    });
  }

  const budget: YjsBudget = {
    maxUpdateBytes: Math.min(DEFAULT_MAX_UPDATE_BYTES, config.YJS_MAX_FRAME_BYTES),
    maxDocBytes: config.YJS_MAX_DOC_BYTES,
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: config.YJS_MAX_FRAME_BYTES });
  const connections = new Set<YjsConnection>();
  let closing = false;
  /** Revocations heard here: one heard during an admission makes it check again. */
  let revocations = 0;

  const refuse = (socket: Duplex, status: number, reason: string) => {
    metrics.yjsRejected.inc({ reason });
    if (!socket.destroyed) {
      // Destroy only once the answer is flushed, as ws's own abortHandshake does.
      socket.once("finish", () => socket.destroy());
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
  };

  async function admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    if (closing) return refuse(socket, 503, "shutting_down");
    // What a trust change made while this admission reads would miss: the connection is
    // not among those the change closes or demotes until it is attached (see below).
    const marks = { revocations, trust: registry.trustChanges };
    const admission = await admitHandshake(
      {
        db: ctx.db,
        tickets,
        allowedOrigins: config.ALLOWED_ORIGINS,
        revocation: ctx.revocation,
      },
      { url: req.url, origin: req.headers.origin, host: req.headers.host },
    );
    if (!admission.ok) return refuse(socket, admission.status, admission.reason);
    // The node may have begun shutting down while the ticket was checked.
    if (closing) return refuse(socket, 503, "shutting_down");
    const shared = await registry.acquire(admission.room);
    let accepted = false;
    if (!socket.destroyed && !closing) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        accepted = true;
        const conn = connect(ws, shared, admission);
        // Attached now: every change from here on reaches it. One heard meanwhile (or a
        // room this node only began to hear during the admission) may not have: read
        // the login and the membership again.
        if (revocations !== marks.revocations || registry.trustChanges !== marks.trust) {
          reconfirm(shared, conn, admission);
        }
      });
    }
    // handleUpgrade answers synchronously; a socket that died meanwhile never connects.
    if (!accepted) registry.release(shared);
  }

  function reconfirm(shared: SharedDoc, conn: YjsConnection, admitted: Admitted) {
    const live = admitted.jti
      ? ctx.revocation.check(admitted.userId, admitted.jti)
      : isUserActive(ctx.db, admitted.userId);
    live
      .then(async (ok) => {
        if (!ok) return conn.close(4401, "signed out");
        await registry.confirmRole(shared, conn);
      })
      .catch((err: unknown) => {
        logger.warn(
          { err: toError(err).message, room: shared.room },
          "yjs: admission re-check failed",
        );
        conn.close(1011, "admission not confirmed");
      });
  }

  function connect(ws: WebSocket, shared: SharedDoc, admitted: Admitted): YjsConnection {
    const conn = new YjsConnection(
      ws,
      admitted.userId,
      admitted.sessionId,
      admitted.canWrite,
      admitted.name,
      admitted.jti,
      config.YJS_UPDATES_PER_SECOND,
    );
    // The token the ticket was asked with runs out: so does the connection.
    const expiry =
      admitted.exp !== undefined
        ? setTimeout(
            () => conn.close(4401, "token expired"),
            Math.min(Math.max(0, admitted.exp * 1000 - Date.now()), 2 ** 31 - 1),
          )
        : undefined;
    connections.add(conn);
    metrics.yjsConnections.inc();
    shared.attach(conn);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        metrics.yjsRejected.inc({ reason: "text_frame" });
        return conn.close(1003, "binary frames only");
      }
      try {
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        const outcome = handleFrame(shared, conn, bytes, budget);
        if (outcome === "readOnly") metrics.yjsRejected.inc({ reason: "read_only" });
        else if (outcome !== "ok") {
          // Refused: the client's copy now holds what the server's lacks. Closing makes
          // it reconnect and resync (the web client starts from the server's copy).
          metrics.yjsRejected.inc({ reason: outcome });
          conn.close(outcome === "rate" ? 4429 : 4413, outcome);
        }
      } catch (err) {
        metrics.yjsRejected.inc({ reason: "malformed" });
        logger.debug({ err: toError(err).message, room: shared.room }, "malformed yjs frame");
        conn.close(1007, "malformed frame");
      }
    });
    // Oversized frames (maxPayload) and protocol errors land here; ws closes the socket itself.
    ws.on("error", (err) => {
      metrics.yjsRejected.inc({ reason: "ws_error" });
      logger.debug({ err: err.message, room: shared.room }, "yjs websocket error");
    });
    ws.on("pong", () => {
      conn.alive = true;
    });
    ws.on("close", () => {
      clearTimeout(expiry);
      connections.delete(conn);
      metrics.yjsConnections.dec();
      if (shared.detach(conn)) registry.release(shared);
    });
    conn.send(encodeSyncStep1(shared.doc));
    const states = encodeAwareness(shared.awareness);
    if (states) conn.send(states);
    return conn;
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!(req.url ?? "").startsWith(YJS_PATH_PREFIX)) return;
    socket.on("error", () => {});
    admit(req, socket, head).catch((err) => {
      logger.warn({ err: toError(err).message }, "yjs handshake failed");
      refuse(socket, 503, "unavailable");
    });
  };
  let attachedTo: Server | undefined;

  // A sign-out anywhere closes this node's connections of that login (or user).
  const stopRevocations = ctx.revocation.onRevoke((event) => {
    revocations += 1;
    for (const conn of connections) {
      if (revocationCovers(event, conn.userId, conn.jti)) conn.close(4401, "signed out");
    }
  });

  // Back from a break in Redis: a sign-out published meanwhile never reached this node.
  // (Removals and role changes it missed are the role re-read's, below.)
  const stopResubscribed = ctx.revocation.onResubscribed(() => {
    for (const conn of connections) {
      if (!conn.jti) continue;
      ctx.revocation.check(conn.userId, conn.jti).then(
        (live) => {
          if (!live) conn.close(4401, "signed out");
        },
        (err: Error) => logger.warn({ err: err.message }, "yjs: login not re-checked"),
      );
    }
  });

  const pinger = setInterval(() => {
    void registry
      .refreshRoles()
      .catch((err: Error) => logger.warn({ err: err.message }, "yjs: re-reading roles failed"));
    for (const conn of connections) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  const edit = async (sessionId: string, what: string, fn: (shared: SharedDoc) => void) => {
    try {
      await registry.withDoc(yjsRoom(sessionId), fn);
    } catch (err) {
      logger.warn({ err: toError(err).message, sessionId }, `yjs: ${what} failed`);
    }
  };

  return {
    attach(httpServer) {
      attachedTo = httpServer;
      httpServer.on("upgrade", onUpgrade);
    },
    registry,
    connectionCount: () => connections.size,
    refreshRoles: () => registry.refreshRoles(),
    edits: {
      setTitle: (sessionId, title) =>
        edit(sessionId, "rename", (s) => s.replaceText("title", title)),
    },
    evict: (sessionId, userId) => registry.evict(sessionId, userId ?? null),
    setRole: (sessionId, userId, canWrite) => registry.setRole(sessionId, userId, canWrite),
    async close() {
      closing = true;
      stopRevocations();
      stopResubscribed();
      clearInterval(pinger);
      attachedTo?.off("upgrade", onUpgrade);
      // 1012 "service restart": y-websocket reconnects, through the proxy to another
      // node, and its sync exchange there covers anything this node did not see.
      for (const conn of connections) conn.ws.close(1012, "server restarting");
      await registry.closeAll(SHUTDOWN_STORE_TIMEOUT_MS);
      for (const conn of connections) conn.ws.terminate();
      wss.close();
      await registry.sync?.close();
    },
  };
}
