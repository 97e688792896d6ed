import type { WidgetKey as WidgetKeyWire } from "@engunity/shared";
import type { WidgetKey } from "../models/WidgetKey";

/** A widget key as its managers see it: never the secret or its hash. */
export function presentWidgetKey(key: WidgetKey): WidgetKeyWire {
  return {
    id: key.id,
    teamName: key.teamName,
    prefix: key.prefix,
    allowedOrigins: key.allowedOrigins,
    mode: key.sessionId ? "session" : "perVisitor",
    sessionId: key.sessionId,
    template: key.sessionId ? null : key.template,
    allowAnonymous: key.allowAnonymous,
    caps: key.caps,
    createdAt: key.createdAt.toISOString(),
    rotatedAt: key.rotatedAt?.toISOString() ?? null,
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}
