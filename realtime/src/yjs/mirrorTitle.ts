import { LIMITS } from "@engunity/shared";
import { Op } from "sequelize";
import { announce } from "../announce";
import type { AppContext } from "../context";

/**
 * Writes a doc's title into `chat_sessions.title` and announces `session:updated`,
 * only when it differs: several nodes mirror the same title, and only the one that
 * changes the row announces.
 */
export async function mirrorTitle(
  ctx: Pick<AppContext, "db" | "emitter">,
  sessionId: string,
  title: string,
): Promise<void> {
  const value = title.slice(0, LIMITS.titleMax);
  const [changed] = await ctx.db.models.ChatSession.update(
    { title: value },
    { where: { id: sessionId, title: { [Op.ne]: value } } },
  );
  if (changed === 0) return;
  const session = await ctx.db.models.ChatSession.findByPk(sessionId);
  // The role in a broadcast session is the writer's; a co-edited title has many.
  if (session) await announce.sessionUpdated(ctx, session, "editor");
}
