import { Op, QueryTypes } from "sequelize";
import type { Db } from "../index";
import type { User } from "../models/User";

export interface UserListing {
  user: User;
  messages: number;
  promptTokens: number;
  completionTokens: number;
  /** Time of the user's last message, or null when they never wrote. */
  lastActiveAt: Date | null;
}

/**
 * One page of accounts for the admin list, oldest first, with message and token
 * counts and last activity (read for the page's users only, from the author and
 * asker indexes of migration 008). `q` matches username, email or full name.
 */
export async function listUsers(
  db: Db,
  opts: { q?: string; limit: number; offset: number },
): Promise<{ users: UserListing[]; total: number }> {
  const { sequelize } = db;
  const like = opts.q ? `%${opts.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const where = like
    ? {
        [Op.or]: ["username", "email", "full_name"].map((col) =>
          sequelize.where(sequelize.fn("lower", sequelize.col(col)), {
            [Op.like]: sequelize.literal(`${sequelize.escape(like)} ESCAPE '\\'`),
          }),
        ),
      }
    : {};
  const { rows, count } = await db.models.User.findAndCountAll({
    where,
    order: [
      ["createdAt", "ASC"],
      ["id", "ASC"],
    ],
    limit: opts.limit,
    offset: opts.offset,
  });
  if (rows.length === 0) return { users: [], total: count };
  const ids = rows.map((u) => u.id);
  const [written, spent] = await Promise.all([
    sequelize.query<{ id: string; n: unknown; last: unknown }>(
      `SELECT author_id AS id, COUNT(*) AS n, MAX(created_at) AS last FROM chat_messages
       WHERE author_id IN (:ids) GROUP BY author_id`,
      { type: QueryTypes.SELECT, replacements: { ids } },
    ),
    sequelize.query<{ id: string; p: unknown; c: unknown }>(
      `SELECT asker_id AS id, SUM(COALESCE(prompt_tokens, 0)) AS p, SUM(COALESCE(completion_tokens, 0)) AS c
       FROM chat_messages WHERE asker_id IN (:ids) GROUP BY asker_id`,
      { type: QueryTypes.SELECT, replacements: { ids } },
    ),
  ]);
  const wrote = new Map(written.map((r) => [r.id, r]));
  const used = new Map(spent.map((r) => [r.id, r]));
  return {
    total: count,
    users: rows.map((user) => {
      const w = wrote.get(user.id);
      const s = used.get(user.id);
      return {
        user,
        messages: Number(w?.n ?? 0),
        lastActiveAt: w?.last
          ? new Date(String(w.last instanceof Date ? w.last.toISOString() : w.last))
          : null,
        promptTokens: Number(s?.p ?? 0),
        completionTokens: Number(s?.c ?? 0),
      };
    }),
  };
}
