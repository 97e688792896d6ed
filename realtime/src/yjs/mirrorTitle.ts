import { LIMITS } from "@engunity/shared";
import { Op } from "sequelize";
import type { AppContext } from "../context";
import type { DomainEvent } from "../events";

/**
 * Writes a doc's title into `chat_sessions.title`, only when it differs, and returns
 * the `session.updated` to publish: several nodes mirror the same title, and only the
 * one that changes the row has an event.
 */
export async function mirrorTitle(
  ctx: Pick<AppContext, "db">,
  sessionId: string,
  title: string,
): Promise<Extract<DomainEvent, { type: "session.updated" }>[]> {
  const value = title.slice(0, LIMITS.titleMax);
  const [changed] = await ctx.db.models.ChatSession.update(
    { title: value },
    { where: { id: sessionId, title: { [Op.ne]: value } } },
  );
  if (changed === 0) return [];
  const session = await ctx.db.models.ChatSession.findByPk(sessionId);
  // The role in a broadcast session is the writer's; a co-edited title has many.
  return session ? [{ type: "session.updated", session, role: "editor" }] : [];
}
