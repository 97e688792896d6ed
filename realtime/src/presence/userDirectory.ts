import type { Db } from "@engunity/db";
import { presentUser } from "@engunity/db";
import type { User } from "@engunity/shared";

/** How long a presented user is reused before it is read again. */
const TTL_MS = 60_000;

/**
 * Users as wire objects, by id, with a short cache: presence in a busy room is
 * rebroadcast often, and names change rarely.
 */
export function createUserDirectory(db: Db) {
  const cache = new Map<string, { user: User; at: number }>();
  return {
    async users(ids: string[]): Promise<User[]> {
      const now = Date.now();
      const missing = ids.filter((id) => {
        const hit = cache.get(id);
        return !hit || now - hit.at > TTL_MS;
      });
      if (missing.length) {
        // The columns presented, not the row (its email, hash and settings).
        const rows = await db.models.User.findAll({
          where: { id: missing },
          attributes: ["id", "username", "fullName"],
        });
        for (const row of rows) cache.set(row.id, { user: presentUser(row), at: now });
      }
      if (cache.size > 10_000) {
        for (const [id, hit] of cache) if (now - hit.at > TTL_MS) cache.delete(id);
      }
      return ids.flatMap((id) => {
        const hit = cache.get(id);
        return hit ? [hit.user] : [];
      });
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
