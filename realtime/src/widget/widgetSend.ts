import { unauthorized } from "@engunity/core";
import type { SendInput } from "../commands/sendMessage";
import type { AppContext } from "../context";
import type { SocketData } from "../sockets/types";
import { checkAiTokens, spendMessage, widgetUsageKeys } from "./widgetCaps";

/**
 * What a visitor's send adds to the send command: the key's per-visitor message cap is
 * spent, the AI-token cap guards asking the AI, the answer's tokens count against the
 * key, and the visitor cannot force the AI on (`ai` is the session's call: an AI-off
 * session stays off).
 */
export async function widgetSendOptions(
  ctx: AppContext,
  data: SocketData,
): Promise<Pick<SendInput, "ai" | "usageKeys" | "beforeAi">> {
  const keyId = data.widgetKeyId!;
  const key = await ctx.db.models.WidgetKey.findByPk(keyId);
  if (!key || key.revokedAt) throw unauthorized("This widget key was revoked");
  await spendMessage(ctx, key, data.userId);
  return {
    ai: undefined,
    usageKeys: [widgetUsageKeys.aiTokens(keyId)],
    beforeAi: () => checkAiTokens(ctx, key),
  };
}
