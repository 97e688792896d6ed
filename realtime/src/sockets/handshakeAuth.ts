import {
  type AppError,
  forbidden,
  liveConnectionExp,
  originAllowed,
  toAppError,
  unauthorized,
  verifyAccessToken,
  verifyWidgetToken,
} from "@engunity/core";
import { presentUser } from "@engunity/db";
import { z } from "zod";
import type { AppContext } from "../context";
import { recordAuthFailure } from "../failureEvents";
import type { GatewaySocket } from "./types";
import { admitWidgetSocket } from "./widgetHandshake";

const subjectSchema = z.uuid();

/** An Error whose `data` the client receives with `connect_error`: the contract's error body. */
function refusal(err: AppError): Error & { data: unknown } {
  return Object.assign(new Error(err.message), { data: err.toBody() });
}

/**
 * `io.use` middleware: the access token comes from `auth.token` only — never the query
 * string, which ends up in proxy logs. Verified like the REST routes (HS256, `exp`
 * required), and the user must still exist and be active.
 */
export function handshakeAuth(ctx: AppContext) {
  return (socket: GatewaySocket, next: (err?: Error) => void): void => {
    const token: unknown = socket.handshake.auth?.token;
    const widget =
      typeof token === "string" ? verifyWidgetToken(ctx.config.SECRET_KEY, token) : null;
    if (widget) {
      admitWidgetSocket(ctx, socket, widget).then(
        () => next(),
        (err: unknown) => next(refusal(toAppError(err))),
      );
      return;
    }
    // Origins trusted for widget tokens only get past the transport's gate; a user
    // token from one of them is refused here.
    const { origin, host } = socket.handshake.headers;
    if (!originAllowed(origin, host, ctx.config.ALLOWED_ORIGINS)) {
      next(refusal(forbidden("Origin not allowed")));
      return;
    }
    const claims =
      typeof token === "string" ? verifyAccessToken(ctx.config.SECRET_KEY, token) : null;
    if (!claims || !subjectSchema.safeParse(claims.sub).success) {
      recordAuthFailure(ctx, "socket");
      next(refusal(unauthorized("A valid access token is required in auth.token")));
      return;
    }
    // A user token must name a live login session; a widget token (`sid`) is revoked
    // by its key instead (the widget's own check), so it has no `jti` to look up.
    const jti = claims.jti;
    if (claims.sid === undefined && typeof jti !== "string") {
      next(refusal(unauthorized("A valid access token is required in auth.token")));
      return;
    }
    Promise.all([
      ctx.db.models.User.findByPk(claims.sub),
      jti && claims.sid === undefined ? ctx.revocation.check(claims.sub, jti) : true,
    ]).then(
      ([user, live]) => {
        if (!user?.isActive || !live) {
          recordAuthFailure(ctx, "socket", claims.sub);
          return next(refusal(unauthorized("A valid access token is required in auth.token")));
        }
        socket.data = {
          userId: user.id,
          user: presentUser(user),
          exp: liveConnectionExp(claims, ctx.config.REFRESH_TOKEN_EXPIRE_DAYS),
          sid: claims.sid,
          jti,
        };
        next();
      },
      (err: unknown) => next(refusal(toAppError(err))),
    );
  };
}
