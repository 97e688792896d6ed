import { fromZod, rateLimited, toAppError } from "@engunity/core";
import type { ClientToServerEvents, ErrorBody } from "@engunity/shared";
import type { z } from "zod";
import { recordDbError } from "../failureEvents";
import { spendEvent } from "./eventBudget";
import type { Gateway, GatewaySocket, SocketHandler } from "./types";

/** Client events answered with an ack. */
export type AckEvent = Exclude<keyof ClientToServerEvents, "typing">;
type AckBody<E extends AckEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];
/** What a handler returns: the ack without its `ok: true`. */
export type AckResult<E extends AckEvent> = Omit<Extract<AckBody<E>, { ok: true }>, "ok">;

/**
 * One acked event's handler: the payload is validated with `schema`, `run` does the
 * work for the socket that sent it, and the ack carries `{ok: true, ...result}` or the
 * contract's error body. Whatever a client sends — no payload, a string, no ack
 * function — nothing throws out of here: an event without an ack is dropped, since the
 * client could not learn the outcome anyway.
 */
export function ackHandler<E extends AckEvent, S extends z.ZodType>(
  event: E,
  schema: S,
  run: (gw: Gateway, socket: GatewaySocket, payload: z.output<S>) => Promise<AckResult<E>>,
): SocketHandler {
  return {
    event,
    handle(gw, socket, args) {
      const { metrics, logger } = gw.ctx;
      const last = args[args.length - 1];
      if (typeof last !== "function") {
        metrics.errors.inc({ code: "validation_failed", transport: "socket" });
        return;
      }
      const ack = last as (body: unknown) => void;
      const payload = args.length > 1 ? args[0] : undefined;
      const started = performance.now();
      const reply = (body: ({ ok: true } & object) | ErrorBody) => {
        const outcome = "error" in body ? body.error.code : "ok";
        if (outcome !== "ok") metrics.errors.inc({ code: outcome, transport: "socket" });
        metrics.socketAckDuration.observe({ event, outcome }, (performance.now() - started) / 1000);
        ack(body);
      };
      if (!spendEvent(socket)) return reply(rateLimited(1).toBody());
      const parsed = schema.safeParse(payload);
      if (!parsed.success) return reply(fromZod(parsed.error, "Payload").toBody());
      // A throw before `run`'s first await is its rejection: the gateway calls this from
      // Socket.IO's packet handler, which must never see a throw.
      let pending: Promise<AckResult<E>>;
      try {
        pending = run(gw, socket, parsed.data);
      } catch (err) {
        pending = Promise.reject(err);
      }
      pending.then(
        (result) => reply({ ok: true, ...result }),
        (err: unknown) => {
          const appError = toAppError(err);
          if (appError.report) logger.error({ err, event }, "socket event failed");
          if (appError.status >= 500) recordDbError(gw.ctx, appError, err);
          reply(appError.toBody());
        },
      );
    },
  };
}
