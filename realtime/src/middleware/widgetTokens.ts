import { forbidden, verifyWidgetToken } from "@engunity/core";
import type { Request } from "express";
import type { AppContext } from "../context";

/**
 * Whether a REST request carries a widget token. A widget token does one thing — chat
 * in its session over the socket — so every REST route answers it `forbidden` (not
 * `unauthorized`, which would tell the embed to fetch a new token and try again).
 */
export function isWidgetRequest(ctx: AppContext, req: Request): boolean {
  const header = req.headers.authorization;
  if (!header?.startsWith("Bearer ")) return false;
  return verifyWidgetToken(ctx.config.SECRET_KEY, header.slice(7).trim()) !== null;
}

export const widgetTokenRefusal = () =>
  forbidden("A widget token can only chat in its own session, over the socket");
