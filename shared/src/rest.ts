import { z } from "zod";
import { LIMITS } from "./limits";
import {
  aiModeSchema,
  aiPreferenceSchema,
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
  preference: aiPreferenceSchema.nullable().optional(),
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

export const historyQuerySchema = z
  .object({
    before: z.uuid().optional(),
    /** Messages after this one, oldest first (paging forward from a window). */
    after: z.uuid().optional(),
    /** A window around this message: up to `limit` messages, it in the middle. */
    around: z.uuid().optional(),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(LIMITS.historyPageMax)
      .default(LIMITS.historyPageDefault),
  })
  .refine((q) => [q.before, q.after, q.around].filter(Boolean).length <= 1, {
    message: "give at most one of before, after and around",
  });
export type HistoryQuery = z.infer<typeof historyQuerySchema>;

export const sessionDetailSchema = z.object({
  session: sessionSchema,
  messages: z.array(messageSchema),
  members: z.array(memberSchema),
  hasMore: z.boolean(),
  /** With `after` or `around`: whether messages newer than the page exist. */
  hasNewer: z.boolean().optional(),
  /** The caller's read state after this request (the newest page marks the session read). */
  lastReadMessageId: z.string().nullable().optional(),
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
  /** Only this session (it must be one of the caller's). */
  sessionId: z.uuid().optional(),
});

export const searchHitSchema = z.object({
  sessionId: z.string(),
  sessionTitle: z.string(),
  message: messageSchema,
  /** Plain text around the match; `…` where it was cut. */
  snippet: z.string(),
  /** `[start, end)` UTF-16 offsets of the matched words in `snippet`. */
  highlights: z.array(z.tuple([z.number().int(), z.number().int()])),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const idParamSchema = z.uuid();

/** `POST /chat/:id/read`: read up to this message (default: the newest). */
export const markReadBodySchema = z.object({ messageId: z.uuid().optional() });

/** A member's read state of one session (`POST /chat/:id/read`, `session:read`). */
export const readStateSchema = z.object({
  sessionId: z.string(),
  lastReadMessageId: z.string().nullable(),
  unreadCount: z.number().int(),
});
export type ReadState = z.infer<typeof readStateSchema>;

/** A session as `GET /chat/` lists it: the session and the caller's unread state. */
export const sessionListItemSchema = sessionSchema.extend({
  /** Kept for older clients: `unreadCount > 0`. */
  unread: z.boolean(),
  unreadCount: z.number().int(),
  lastReadMessageId: z.string().nullable(),
});
export type SessionListItem = z.infer<typeof sessionListItemSchema>;
