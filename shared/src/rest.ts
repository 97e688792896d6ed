import { z } from "zod";
import { LIMITS } from "./limits";
import {
  aiModeSchema,
  aiPreferenceSchema,
  memberSchema,
  messageSchema,
  providerNameSchema,
  roleSchema,
  selfSchema,
  sessionSchema,
  userSchema,
} from "./objects";
import { cleanDisplayName, hasControlCharacters } from "./text";

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

/** A one-line lookup key (login, username, email, search): NUL and control characters → 400. */
const lookup = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacters(s), "must not contain NUL or control characters");

/** A display name: one line; bidi overrides and invisible characters are removed on the way in. */
export const displayNameSchema = trimmed(LIMITS.fullNameMax).transform(cleanDisplayName);

export const registerBodySchema = z.object({
  username: z
    .string()
    .trim()
    .min(LIMITS.usernameMin)
    .max(LIMITS.usernameMax)
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.' and '-' only"),
  email: z.email().max(LIMITS.emailMax),
  password: z.string().min(LIMITS.passwordMin).max(LIMITS.passwordMax),
  fullName: displayNameSchema.optional(),
});
export type RegisterBody = z.infer<typeof registerBodySchema>;

export const loginBodySchema = z.object({
  login: lookup(LIMITS.emailMax),
  password: z.string().min(1).max(LIMITS.passwordMax),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

export const authResponseSchema = z.object({
  user: selfSchema,
  accessToken: z.string(),
  /** When the access token expires (ISO); renew before with `POST /auth/refresh`. */
  accessTokenExpiresAt: z.string(),
  /** Single use: each refresh answers a new one. Using a spent one signs the login out. */
  refreshToken: z.string(),
});

/** `POST /auth/refresh`: a login session's current refresh token. */
export const refreshBodySchema = z.object({ refreshToken: z.string().min(1).max(512) });
/** `POST /auth/refresh` answers fresh tokens of the same login session. */
export const refreshResponseSchema = authResponseSchema.omit({ user: true });

/** `PATCH /auth/me`: the caller's own name and consent setting. */
export const patchMeBodySchema = z
  .object({
    fullName: displayNameSchema.nullable().optional(),
    consentRequired: z.boolean().optional(),
  })
  .refine((b) => b.fullName !== undefined || b.consentRequired !== undefined, {
    message: "nothing to change: give fullName or consentRequired",
  });
export type PatchMeBody = z.infer<typeof patchMeBodySchema>;

/** `POST /auth/password`: the current password proves it is the person, not a stolen token. */
export const changePasswordBodySchema = z.object({
  currentPassword: z.string().min(1).max(LIMITS.passwordMax),
  newPassword: z.string().min(1).max(LIMITS.passwordMax),
});
export type ChangePasswordBody = z.infer<typeof changePasswordBodySchema>;

/** `DELETE /auth/me`: the password again, so a stolen token cannot delete the account. */
export const deleteAccountBodySchema = z.object({
  password: z.string().min(1).max(LIMITS.passwordMax),
});

/** One sign-in of the caller, as `GET /auth/sessions` lists it. */
export const loginSessionSchema = z.object({
  id: z.string(),
  device: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  /** The login session of the request that asked. */
  current: z.boolean(),
});
export type LoginSessionWire = z.infer<typeof loginSessionSchema>;

/** An add waiting for the caller's consent (`GET /invitations`). */
export const invitationSchema = z.object({
  id: z.string(),
  session: z.object({ id: z.string(), title: z.string() }),
  invitedBy: userSchema,
  role: roleSchema,
  createdAt: z.string(),
});
export type Invitation = z.infer<typeof invitationSchema>;

/** An invite link as its owner sees it in `GET /chat/:id/invites` (never the token). */
export const inviteLinkSchema = z.object({
  id: z.string(),
  role: roleSchema,
  createdAt: z.string(),
  expiresAt: z.string(),
  maxUses: z.number().int().nullable(),
  uses: z.number().int(),
  createdBy: userSchema.nullable(),
});
export type InviteLink = z.infer<typeof inviteLinkSchema>;
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

/** A UTF-16 code unit of a surrogate pair standing alone (paired ones are one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Optional message fields shared by `POST /chat/` and the `message:send` event. */
export const messageContentSchema = z
  .string()
  .min(1)
  .max(LIMITS.messageMax)
  .refine((s) => s.trim().length > 0, "must not be blank")
  // Postgres text cannot hold NUL, and SQLite would keep it: refuse it on both.
  .refine((s) => !s.includes("\u0000"), "must not contain NUL characters")
  // A lone surrogate is stored as U+FFFD (the database holds UTF-8), so the ack and
  // the broadcast would differ from what history shows later: refuse it.
  .refine((s) => !LONE_SURROGATE.test(s), "must be valid Unicode (no lone surrogates)");
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
    username: lookup(LIMITS.usernameMax).optional(),
    email: lookup(LIMITS.emailMax).optional(),
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
  /** How many people may join through the link; absent = anyone until it expires. */
  maxUses: z.number().int().min(1).max(LIMITS.inviteUsesMax).optional(),
});
export type CreateInviteBody = z.infer<typeof createInviteBodySchema>;

export const inviteSchema = z.object({
  id: z.string(),
  maxUses: z.number().int().nullable(),
  token: z.string(),
  url: z.string(),
  role: roleSchema,
  expiresAt: z.string(),
});

export const exportQuerySchema = z.object({ format: z.enum(["md", "json"]).default("md") });

export const searchQuerySchema = z.object({
  q: lookup(LIMITS.searchQueryMax),
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
