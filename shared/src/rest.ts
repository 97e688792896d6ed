import { z } from "zod";
import { LIMITS } from "./limits";
import {
  aiModeSchema,
  memberSchema,
  messageSchema,
  providerNameSchema,
  roleSchema,
  sessionSchema,
  userSchema,
} from "./objects";

/** REST bodies and responses (PROTOCOL.md "REST"). */

const trimmed = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    // One line of text: no NUL, newlines or other control characters.
    .refine(
      (s) => ![...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
      "must be a single line of text",
    );

export const registerBodySchema = z.object({
  username: z
    .string()
    .trim()
    .min(LIMITS.usernameMin)
    .max(LIMITS.usernameMax)
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.' and '-' only"),
  email: z.email().max(LIMITS.emailMax),
  password: z.string().min(LIMITS.passwordMin).max(LIMITS.passwordMax),
  fullName: trimmed(LIMITS.fullNameMax).optional(),
});
export type RegisterBody = z.infer<typeof registerBodySchema>;

export const loginBodySchema = z.object({
  login: z.string().trim().min(1).max(LIMITS.emailMax),
  password: z.string().min(1).max(LIMITS.passwordMax),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

export const authResponseSchema = z.object({ user: userSchema, accessToken: z.string() });
export type AuthResponse = z.infer<typeof authResponseSchema>;

export const createSessionBodySchema = z.object({
  title: trimmed(LIMITS.titleMax).optional(),
});
export type CreateSessionBody = z.infer<typeof createSessionBodySchema>;

export const sessionSettingsPatchSchema = z.object({
  aiMode: aiModeSchema.optional(),
  provider: providerNameSchema.nullable().optional(),
  model: z.string().trim().min(1).max(128).nullable().optional(),
});

export const patchSessionBodySchema = z
  .object({
    title: trimmed(LIMITS.titleMax).optional(),
    settings: sessionSettingsPatchSchema.optional(),
  })
  .refine((b) => b.title !== undefined || b.settings !== undefined, {
    message: "nothing to change: give title or settings",
  });
export type PatchSessionBody = z.infer<typeof patchSessionBodySchema>;

export const historyQuerySchema = z.object({
  before: z.uuid().optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.historyPageMax)
    .default(LIMITS.historyPageDefault),
});
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export const sessionDetailSchema = z.object({
  session: sessionSchema,
  messages: z.array(messageSchema),
  members: z.array(memberSchema),
  hasMore: z.boolean(),
});
export type SessionDetail = z.infer<typeof sessionDetailSchema>;

/** Optional message fields shared by `POST /chat/` and the `message:send` event. */
export const messageContentSchema = z
  .string()
  .min(1)
  .max(LIMITS.messageMax)
  .refine((s) => s.trim().length > 0, "must not be blank")
  // Postgres text cannot hold NUL, and SQLite would keep it: refuse it on both.
  .refine((s) => !s.includes("\u0000"), "must not contain NUL characters");
export const clientIdSchema = z
  .string()
  .min(1)
  .max(LIMITS.clientIdMax)
  .regex(/^[A-Za-z0-9_:.-]+$/, "letters, digits and _ : . - only");

export const sendMessageBodySchema = z.object({
  sessionId: z.uuid().optional(),
  content: messageContentSchema,
  ai: z.boolean().optional(),
  provider: providerNameSchema.optional(),
  model: z.string().trim().min(1).max(128).optional(),
  clientId: clientIdSchema.optional(),
});
export type SendMessageBody = z.infer<typeof sendMessageBodySchema>;

export const addMemberBodySchema = z
  .object({
    username: z.string().trim().min(1).max(LIMITS.usernameMax).optional(),
    email: z.string().trim().min(1).max(LIMITS.emailMax).optional(),
    role: z.enum(["editor", "viewer"]),
  })
  .refine((b) => (b.username === undefined) !== (b.email === undefined), {
    message: "give exactly one of username or email",
  });
export type AddMemberBody = z.infer<typeof addMemberBodySchema>;

export const patchMemberBodySchema = z.object({ role: z.enum(["editor", "viewer"]) });

export const createInviteBodySchema = z.object({
  role: z.enum(["editor", "viewer"]),
  expiresInMinutes: z
    .number()
    .int()
    .min(1)
    .max(LIMITS.inviteMinutesMax)
    .default(LIMITS.inviteMinutesDefault),
});
export type CreateInviteBody = z.infer<typeof createInviteBodySchema>;

export const inviteSchema = z.object({
  token: z.string(),
  url: z.string(),
  role: roleSchema,
  expiresAt: z.string(),
});

export const exportQuerySchema = z.object({ format: z.enum(["md", "json"]).default("md") });

export const searchQuerySchema = z.object({
  q: z.string().trim().min(1).max(LIMITS.searchQueryMax),
  limit: z.coerce.number().int().min(1).max(LIMITS.searchResultsMax).default(20),
});

export const searchHitSchema = z.object({
  sessionId: z.string(),
  sessionTitle: z.string(),
  message: messageSchema,
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const idParamSchema = z.uuid();

/** `GET /health`: what answers, and (ROLE=all) which vector index retrieval uses. */
export const healthSchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  db: z.enum(["ok", "down"]),
  redis: z.enum(["ok", "down", "disabled"]),
  /** `faiss` where npm install built faiss-node, else `exact` in-process search. */
  index: z.enum(["faiss", "exact"]).optional(),
});
export type Health = z.infer<typeof healthSchema>;
