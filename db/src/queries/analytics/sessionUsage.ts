import { QueryTypes } from "sequelize";
import type { Db } from "../../index";
import { num, type Row, usernames } from "./sql";

const tokenSums =
  "SUM(COALESCE(prompt_tokens, 0)) AS prompt, SUM(COALESCE(completion_tokens, 0)) AS completion";

/** Tokens of one session's answers, by who asked and by model (the session menu's gauge). */
export async function sessionUsage(
  db: Db,
  sessionId: string,
): Promise<{
  total: { promptTokens: number; completionTokens: number; answers: number };
  byUser: { userId: string; username: string; promptTokens: number; completionTokens: number }[];
  byModel: {
    provider: string;
    model: string;
    answers: number;
    promptTokens: number;
    completionTokens: number;
  }[];
}> {
  const rows = await db.sequelize.query<Row>(
    `SELECT asker_id AS asker, ai_provider AS provider, ai_model AS model, COUNT(*) AS answers, ${tokenSums}
     FROM chat_messages WHERE session_id = :sessionId AND role = 'assistant' AND ai_provider IS NOT NULL
     GROUP BY 1, 2, 3`,
    { type: QueryTypes.SELECT, replacements: { sessionId } },
  );
  const total = { promptTokens: 0, completionTokens: 0, answers: 0 };
  const users = new Map<string, { promptTokens: number; completionTokens: number }>();
  const models = new Map<
    string,
    {
      provider: string;
      model: string;
      answers: number;
      promptTokens: number;
      completionTokens: number;
    }
  >();
  for (const r of rows) {
    const p = num(r.prompt);
    const c = num(r.completion);
    total.promptTokens += p;
    total.completionTokens += c;
    total.answers += num(r.answers);
    if (r.asker) {
      const u = users.get(String(r.asker)) ?? { promptTokens: 0, completionTokens: 0 };
      u.promptTokens += p;
      u.completionTokens += c;
      users.set(String(r.asker), u);
    }
    const key = `${r.provider}/${r.model}`;
    const m = models.get(key) ?? {
      provider: String(r.provider),
      model: String(r.model ?? ""),
      answers: 0,
      promptTokens: 0,
      completionTokens: 0,
    };
    m.answers += num(r.answers);
    m.promptTokens += p;
    m.completionTokens += c;
    models.set(key, m);
  }
  const names = await usernames(db, [...users.keys()]);
  return {
    total,
    byUser: [...users].map(([userId, u]) => ({
      userId,
      username: names.get(userId) ?? "(deleted)",
      ...u,
    })),
    byModel: [...models.values()],
  };
}
