import {
  forbidden,
  originAllowed,
  unauthorized,
  type WidgetClaims,
  widgetOriginAllowed,
} from "@engunity/core";
import { isUserActive } from "@engunity/db";
import type { AppContext } from "../context";
import type { GatewaySocket } from "./types";

/**
 * The handshake of a widget token — kept apart from user tokens. The key must be
 * live, and the page's `Origin` must be ours or one of the key's allowed origins
 * (which are trusted for widget tokens only). The socket is then bound to the token's
 * one session (`sid`) and its key (revoking it disconnects the socket).
 */
export async function admitWidgetSocket(
  ctx: AppContext,
  socket: GatewaySocket,
  claims: WidgetClaims,
): Promise<void> {
  const key = await ctx.db.models.WidgetKey.findByPk(claims.kid);
  if (!key || key.revokedAt) throw unauthorized("This widget key was revoked");
  const { origin, host } = socket.handshake.headers;
  if (
    !originAllowed(origin, host, ctx.config.ALLOWED_ORIGINS) &&
    !(origin !== undefined && widgetOriginAllowed(origin, key))
  ) {
    throw forbidden("This origin may not use this widget key");
  }
  if (!(await isUserActive(ctx.db, claims.sub))) {
    throw unauthorized("A valid access token is required in auth.token");
  }
  socket.data = {
    userId: claims.sub,
    exp: claims.exp,
    sid: claims.sid,
    widgetKeyId: key.id,
  };
}
