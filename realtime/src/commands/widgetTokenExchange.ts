import { randomBytes } from "node:crypto";
import {
  forbidden,
  notFound,
  parseWidgetKey,
  signWidgetToken,
  unauthorized,
  widgetSecretMatches,
} from "@engunity/core";
import { admitVisitor, type WidgetKey } from "@engunity/db";
import type { CreateWidgetTokenBody, WidgetToken } from "@engunity/shared";
import type { AppContext } from "../context";
import type { DomainEvent, Outcome } from "../events";
import { spendSession } from "../widget/widgetCaps";

/** The live key a presented `X-Widget-Key` names, or `unauthorized`. */
export async function keyFromHeader(ctx: AppContext, raw: string | undefined): Promise<WidgetKey> {
  const parsed = raw ? parseWidgetKey(raw) : null;
  const key = parsed ? await ctx.db.models.WidgetKey.findByPk(parsed.keyId) : null;
  if (!parsed || !key || key.revokedAt || !widgetSecretMatches(parsed.secret, key.secretHash)) {
    throw unauthorized("A valid X-Widget-Key is required");
  }
  return key;
}

/**
 * The host's backend vouches for a visitor: they become (or already are) a member of
 * their session, and get a short-lived token for that one session. A visitor who
 * joined brings `members.updated`.
 */
export async function exchangeWidgetToken(
  ctx: AppContext,
  key: WidgetKey,
  body: CreateWidgetTokenBody,
): Promise<Outcome<WidgetToken>> {
  const anonymous = body.visitor.id === undefined;
  if (anonymous && !key.allowAnonymous) {
    throw forbidden("This widget key does not allow anonymous visitors: give visitor.id");
  }
  const externalId = anonymous ? `anon:${randomBytes(12).toString("hex")}` : body.visitor.id!;
  // A session the visitor is not in is not theirs to ask for, whatever it is; checked
  // before anything is written.
  if (body.sessionId) {
    const own =
      key.sessionId ??
      (
        await ctx.db.models.WidgetVisitor.findOne({
          where: { keyId: key.id, externalId },
          attributes: ["sessionId"],
        })
      )?.sessionId;
    if (own !== body.sessionId) throw notFound("Session");
  }
  const admitted = await admitVisitor(
    ctx.db,
    key,
    {
      externalId,
      name: body.visitor.name ?? (anonymous ? "Visitor" : body.visitor.id!),
      email: body.visitor.email ?? null,
      pageUrl: body.pageUrl ?? null,
    },
    () => spendSession(ctx, key),
  );
  const events: DomainEvent[] = admitted.joined
    ? [{ type: "members.updated", sessionId: admitted.sessionId }]
    : [];
  const { token, expiresAt } = signWidgetToken(
    ctx.config.SECRET_KEY,
    { userId: admitted.visitor.userId, sessionId: admitted.sessionId, keyId: key.id },
    ctx.config.WIDGET_TOKEN_TTL_MINUTES,
  );
  return {
    result: { token, sessionId: admitted.sessionId, expiresAt: expiresAt.toISOString() },
    events,
  };
}
