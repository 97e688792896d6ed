import {
  type AppError,
  forbidden,
  liveConnectionExp,
  originAllowed,
  toAppError,
  unauthorized,
  verifyAccessToken,
  widgetClaimsOf,
} from "@engunity/core";
import { isUserActive } from "@engunity/db";
import { z } from "zod";
import type { AppContext } from "../context";
import { recordAuthFailure } from "../failureEvents";
import type { GatewaySocket, SocketData } from "./types";
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
export function handshakeAuth(
  ctx: AppContext,
  /** Told a user token's watch rooms, read in the login's statement (not for widget tokens). */
  onWatchRooms: (socket: GatewaySocket, sessionIds: string[]) => void = () => {},
) {
  return (socket: GatewaySocket, next: (err?: Error) => void): void => {
    const { auth } = socket.handshake;
    const token: unknown = auth?.token;
    // Not kept for the socket's life: nothing reads it again, and a live token should
    // not sit in every socket's heap (nor in a heap dump). Deleting the one property
    // keeps the object in fast mode.
    if (auth) delete auth.token;
    // One signature check for both kinds of token; a widget token's claims say so.
    const claims =
      typeof token === "string" ? verifyAccessToken(ctx.config.SECRET_KEY, token) : null;
    const widget = claims ? widgetClaimsOf(claims) : null;
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
    // Read fresh (deactivation or a revoked login refuses at once, whatever the
    // login-session cache holds), in one statement for a user token, with its watch rooms.
    const admitted =
      jti && claims.sid === undefined
        ? ctx.revocation.admit(claims.sub, jti).then((read) => {
            if (read) onWatchRooms(socket, read.sessionIds);
            return read !== null;
          })
        : isUserActive(ctx.db, claims.sub);
    admitted.then(
      (live) => {
        if (!live) {
          recordAuthFailure(ctx, "socket", claims.sub);
          return next(refusal(unauthorized("A valid access token is required in auth.token")));
        }
        socket.data = {
          userId: claims.sub,
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

/**
 * Whether a socket admitted by the handshake is still allowed on: its user active, for
 * a user token its login session live, for a widget token its key not revoked. The
 * gateway asks again when a revocation (or a widget key's cut) was heard while the
 * handshake was being checked — that cut looked for the socket in its user's (key's)
 * room before it had joined it.
 */
export async function stillAdmitted(
  ctx: Pick<AppContext, "db" | "revocation">,
  data: SocketData,
): Promise<boolean> {
  // As the handshake reads it: fresh, in one statement for a user token.
  const [live, key] = await Promise.all([
    data.jti && data.sid === undefined
      ? ctx.revocation.check(data.userId, data.jti, { fresh: true })
      : isUserActive(ctx.db, data.userId),
    data.widgetKeyId
      ? ctx.db.models.WidgetKey.findByPk(data.widgetKeyId, { attributes: ["id", "revokedAt"] })
      : undefined,
  ]);
  return live && (!data.widgetKeyId || (!!key && !key.revokedAt));
}
