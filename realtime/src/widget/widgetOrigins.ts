import type { Db } from "@engunity/db";

/** How long the set of live keys' origins is reused before it is read again. */
const TTL_MS = 5_000;

/**
 * Whether some live widget key allows `origin`: the transport's first, cheap gate for
 * handshakes from host pages (Socket.IO's `allowRequest` runs before the token is
 * seen). It only lets a handshake go on to the real check, which reads the token's own
 * key; a stale cache can therefore admit nothing that key does not allow.
 */
export function createWidgetOriginGate(db: Db): (origin: string) => Promise<boolean> {
  let cached: { at: number; origins: Promise<Set<string>> } | undefined;
  const load = async () => {
    const keys = await db.models.WidgetKey.findAll({
      where: { revokedAt: null },
      attributes: ["allowedOrigins"],
    });
    return new Set(keys.flatMap((k) => k.allowedOrigins));
  };
  return async (origin) => {
    if (!cached || Date.now() - cached.at > TTL_MS) {
      cached = { at: Date.now(), origins: load() };
      cached.origins.catch(() => {
        cached = undefined;
      });
    }
    return (await cached.origins).has(origin.trim().replace(/\/$/, "").toLowerCase());
  };
}
