import { randomBytes } from "node:crypto";
import { type Config, redisKeys } from "@engunity/core";
import type { Redis } from "ioredis";

/** Who a Yjs ticket lets in, and to which session's doc. */
export interface YjsTicket {
  userId: string;
  sessionId: string;
  /** The login session the ticket was asked with: signing it out closes the connection. */
  jti?: string;
  /** Expiry of that token (seconds since the epoch): the connection closes then. */
  exp?: number;
}

/**
 * Single-use, short-lived tickets for the Yjs websocket, so no long-lived token ever
 * sits in a URL (and in proxy logs). With Redis any node can redeem a ticket another
 * issued; GETDEL makes redeeming atomic, so a ticket works exactly once.
 */
export interface TicketStore {
  issue(ticket: YjsTicket): Promise<string>;
  /** The ticket's grant, or null when unknown, used or expired. */
  redeem(ticket: string): Promise<YjsTicket | null>;
}

const TICKET_FORMAT = /^[A-Za-z0-9_-]{43}$/;

function newTicket(): string {
  return randomBytes(32).toString("base64url");
}

export function redisTicketStore(redis: Redis, prefix: string, ttlMs: number): TicketStore {
  const key = (ticket: string) => redisKeys(prefix).yjsTicket(ticket);
  return {
    async issue(grant) {
      const ticket = newTicket();
      await redis.set(key(ticket), JSON.stringify(grant), "PX", ttlMs);
      return ticket;
    },
    async redeem(ticket) {
      if (!TICKET_FORMAT.test(ticket)) return null;
      const raw = await redis.getdel(key(ticket));
      return raw ? (JSON.parse(raw) as YjsTicket) : null;
    },
  };
}

export function memoryTicketStore(ttlMs: number, now: () => number = Date.now): TicketStore {
  const tickets = new Map<string, YjsTicket & { expiresAt: number }>();
  const sweep = () => {
    const t = now();
    for (const [ticket, grant] of tickets) if (grant.expiresAt <= t) tickets.delete(ticket);
  };
  return {
    async issue(grant) {
      if (tickets.size > 1000) sweep();
      const ticket = newTicket();
      tickets.set(ticket, { ...grant, expiresAt: now() + ttlMs });
      return ticket;
    },
    async redeem(ticket) {
      const grant = tickets.get(ticket);
      if (!grant) return null;
      tickets.delete(ticket);
      if (grant.expiresAt <= now()) return null;
      const { expiresAt: _expiresAt, ...rest } = grant;
      return rest;
    },
  };
}

/** The ticket store of a node: the REST route issues, the websocket upgrade redeems. */
export function createTicketStore(
  config: Pick<Config, "YJS_TICKET_TTL_SECONDS" | "REDIS_PREFIX">,
  redis: Redis | null,
): TicketStore {
  const ttlMs = Math.max(1, Math.round(config.YJS_TICKET_TTL_SECONDS * 1000));
  return redis ? redisTicketStore(redis, config.REDIS_PREFIX, ttlMs) : memoryTicketStore(ttlMs);
}
