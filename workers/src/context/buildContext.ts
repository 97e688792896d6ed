import type { Db } from "@engunity/db";
import { Op } from "sequelize";
import type { ChatTurn } from "../providers/LlmProvider";

export const SYSTEM_PROMPT =
  "You are Engunity's assistant in a shared chat session. Several people may take part; " +
  "each human message starts with its author's name and a colon. Answer the latest message, " +
  "address people by name when it helps, and be concise and accurate.";

/** A cheap token estimate (~4 characters a token), good enough for budgeting history. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 4;
}

/**
 * The prompt for answering `userMessageId`: the system prompt, then the newest messages up
 * to and including it that fit in `budgetTokens`, oldest first, each human turn prefixed
 * with its author's name. Unfinished and failed answers are left out.
 */
export async function buildContext(
  db: Db,
  opts: { sessionId: string; userMessageId: string; budgetTokens: number },
): Promise<ChatTurn[]> {
  const anchor = await db.models.ChatMessage.findByPk(opts.userMessageId);
  const rows = await db.models.ChatMessage.findAll({
    where: {
      sessionId: opts.sessionId,
      status: { [Op.in]: ["complete", "stopped"] },
      ...(anchor ? { createdAt: { [Op.lte]: anchor.createdAt } } : {}),
    },
    include: [{ association: "author" }],
    order: [
      ["createdAt", "DESC"],
      ["id", "DESC"],
    ],
    limit: 200,
  });
  let budget = opts.budgetTokens - estimateTokens(SYSTEM_PROMPT);
  const turns: ChatTurn[] = [];
  for (const row of rows) {
    if (row.role !== "user" && row.role !== "assistant") continue;
    if (!row.content.trim()) continue;
    const name = row.author?.fullName || row.author?.username || "Someone";
    const content = row.role === "user" ? `${name}: ${row.content}` : row.content;
    const cost = estimateTokens(content);
    // The message being answered always goes in, shortened if it alone is over budget.
    if (cost > budget) {
      if (turns.length === 0)
        turns.push({ role: "user", content: content.slice(0, Math.max(0, budget) * 4) });
      break;
    }
    budget -= cost;
    turns.push({ role: row.role, content });
  }
  turns.reverse();
  return [{ role: "system", content: SYSTEM_PROMPT }, ...turns];
}
