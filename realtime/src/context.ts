import type {
  AiRuntime,
  Config,
  Logger,
  ProviderCatalog,
  RateLimiter,
  Revocation,
  RoomEmitter,
} from "@engunity/core";
import type { Db, EventRecorder } from "@engunity/db";
import type { GenerationSnapshot } from "@engunity/shared";
import type { Redis } from "ioredis";
import type { AccessCache } from "./accessCache";
import type { Metrics } from "./metrics";
import type { TicketStore } from "./yjs/tickets";

/**
 * What every transport handler of a realtime node gets: config, storage and fan-out.
 * Built once, complete and frozen, by the node's composition root (`node.ts`); nothing
 * fills parts of it in later.
 */
export interface AppContext {
  config: Config;
  /** Set where this process also runs retrieval (ROLE=all): FAISS or the exact fallback. */
  retrievalIndex?: "faiss" | "exact";
  db: Db;
  logger: Logger;
  metrics: Metrics;
  /** Null in embedded mode. */
  redis: Redis | null;
  /** Yjs websocket tickets: `POST /yjs/ticket` issues, the upgrade redeems. */
  tickets: TicketStore;
  /** Providers and their model lists (cached), for `GET /providers`. */
  catalog: ProviderCatalog;
  /** Emits into Socket.IO rooms; REST writes announce through it too. */
  emitter: RoomEmitter;
  limiters: {
    /** Per (IP, account): guessing one account's password. */
    login: RateLimiter;
    /** Per IP, whatever the login, spent before any hashing: floods of made-up names. */
    loginIp: RateLimiter;
    register: RateLimiter;
    messages: RateLimiter;
    /** REST writes and Yjs tickets, per user (and per IP for the unauthenticated ones). */
    writes: RateLimiter;
    /** AI questions per user per minute (`AI_RATE_PER_MINUTE`). */
    ai: RateLimiter;
  };
  /**
   * Login sessions: every user request and handshake is checked here, and every kind
   * of sign-out goes through it (cuts live Socket.IO and Yjs connections on every node).
   */
  revocation: Revocation;
  /**
   * Members' access (membership, session, user) cached per node for the send path,
   * dropped on every node by the events that change it (`accessCache.ts`).
   */
  access: AccessCache;
  /**
   * Role of a member changed: open Yjs connections of theirs follow at once, on every
   * node.
   */
  roleChanged(sessionId: string, userId: string, canWrite: boolean): void;
  /**
   * Base URL people reach this app at (for invite links): `PUBLIC_URL`, else the
   * request's `Origin` when that origin is trusted, else its `Host`.
   */
  publicUrl(origin: string | undefined, host: string | undefined): string;
  /**
   * Removes a user's sockets from a session room on every node (member removed,
   * session deleted), Socket.IO rooms and Yjs docs alike.
   */
  evict(sessionId: string, userId?: string): void;
  /**
   * Puts a user's sockets, on every node, in a session's watch room (they became a
   * member): its activity reaches their sidebar. `evict` takes them out again.
   */
  watch(sessionId: string, userId: string): void;
  /**
   * Disconnects every live widget socket of a key on every node (the key was revoked).
   */
  cutWidgetKey(keyId: string): void;
  /** Users currently connected to a session room, across nodes (the gateway's presence). */
  onlineUserIds(sessionId: string): Promise<Set<string>>;
  /**
   * Server edits of a session's co-edited Yjs doc (a REST rename). They never reject. The server never clears the draft on
   * send: the sender's client deletes exactly the text it sent (a Yjs delete of the
   * items it saw), so what anyone typed after survives.
   */
  docs: {
    setTitle(sessionId: string, title: string): Promise<void>;
  };
  /**
   * Generations still streaming in a session, with their text so far, for the
   * `session:join` ack.
   */
  runningGenerations(sessionId: string): Promise<GenerationSnapshot[]>;
  /** AI jobs, resume log, cancel bus and usage: in-process embedded, Redis scaled. */
  ai: AiRuntime;
  /** Failure events for the admin dashboard (auth failures, database errors), batched. */
  events: EventRecorder;
  /**
   * Cuts every live Socket.IO and Yjs connection of a user on every node (deactivated
   * by an admin).
   */
  revokeUserConnections(userId: string): Promise<void>;
  /** True once the node is shutting down: readiness answers 503 so traffic goes elsewhere. */
  draining(): boolean;
}
