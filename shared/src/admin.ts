import { z } from "zod";
import { selfSchema, userSchema } from "./objects";

/** Admin routes and the per-session usage view (PROTOCOL.md "Admin"). */

/** The caller's own account (`GET /auth/me`): the user object plus the admin flag. */
export const meSchema = selfSchema.extend({ isSuperuser: z.boolean() });
export type Me = z.infer<typeof meSchema>;

export const ADMIN_LIMITS = {
  usersPageMax: 200,
  usersPageDefault: 50,
  /** Longest analytics range, in days. */
  rangeDaysMax: 400,
} as const;

export const adminUsersQuerySchema = z.object({
  q: z.string().trim().max(255).optional(),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(ADMIN_LIMITS.usersPageMax)
    .default(ADMIN_LIMITS.usersPageDefault),
  offset: z.coerce.number().int().min(0).default(0),
});

export const adminUserSchema = z.object({
  user: userSchema,
  isActive: z.boolean(),
  isSuperuser: z.boolean(),
  createdAt: z.string(),
  lastActiveAt: z.string().nullable(),
  messages: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  /** Tokens counted against today's quota (UTC day). */
  tokensToday: z.number(),
});
export type AdminUser = z.infer<typeof adminUserSchema>;

export const adminUsersResponseSchema = z.object({
  users: z.array(adminUserSchema),
  total: z.number().int(),
});
export type AdminUsersResponse = z.infer<typeof adminUsersResponseSchema>;

export const patchAdminUserBodySchema = z
  .object({
    isActive: z.boolean().optional(),
    isSuperuser: z.boolean().optional(),
    /** `true` forgets today's token spend (the daily AI quota starts over). */
    resetQuota: z.literal(true).optional(),
  })
  .strict()
  .refine((b) => b.isActive !== undefined || b.isSuperuser !== undefined || b.resetQuota, {
    message: "nothing to change: give isActive, isSuperuser or resetQuota",
  });
export type PatchAdminUserBody = z.infer<typeof patchAdminUserBodySchema>;

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date-time");

export const analyticsQuerySchema = z.object({
  from: isoDate.optional(),
  to: isoDate.optional(),
  provider: z.string().trim().min(1).max(32).optional(),
  model: z.string().trim().min(1).max(128).optional(),
  userId: z.uuid().optional(),
  /** IANA time zone of the viewer (days and the heatmap); default UTC. */
  tz: z.string().trim().min(1).max(64).default("UTC"),
});
export type AnalyticsQuery = z.infer<typeof analyticsQuerySchema>;

const percentilesSchema = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
const tokensSchema = z.object({
  promptTokens: z.number(),
  completionTokens: z.number(),
  /** USD from the price table (`AI_PRICES`); null when a model in the row has no price. */
  cost: z.number().nullable(),
});

export const analyticsResponseSchema = z.object({
  range: z.object({ from: z.string(), to: z.string(), tz: z.string() }),
  /** Whether a price table is configured (cost columns are shown). */
  priced: z.boolean(),
  models: z.array(z.object({ provider: z.string(), model: z.string() })),
  latency: z.array(
    z.object({
      provider: z.string(),
      model: z.string(),
      answers: z.number().int(),
      ttftMs: percentilesSchema,
      durationMs: percentilesSchema,
      /** False above 20,000 answers: the rollup's histogram, within 1/32 of the exact value. */
      exact: z.boolean(),
    }),
  ),
  tokensByDay: z.array(tokensSchema.extend({ day: z.string() })),
  tokensByModel: z.array(
    tokensSchema.extend({ provider: z.string(), model: z.string(), answers: z.number().int() }),
  ),
  tokensByUser: z.array(tokensSchema.extend({ userId: z.string(), username: z.string() })),
  tokensBySession: z.array(tokensSchema.extend({ sessionId: z.string(), title: z.string() })),
  messagesByUser: z.array(
    z.object({ userId: z.string(), username: z.string(), messages: z.number().int() }),
  ),
  activity: z.array(
    z.object({
      day: z.string(),
      activeUsers: z.number().int(),
      activeSessions: z.number().int(),
    }),
  ),
  /** `[weekday][hour]`, weekday 0 = Monday, in `range.tz`: messages people wrote. */
  heatmap: z.array(z.array(z.number().int())),
  aiFailures: z.array(z.object({ provider: z.string(), kind: z.string(), count: z.number() })),
  errors: z.array(
    z.object({ day: z.string(), dbErrors: z.number().int(), authFailures: z.number().int() }),
  ),
});
export type AnalyticsResponse = z.infer<typeof analyticsResponseSchema>;

export const sessionUsageSchema = z.object({
  total: z.object({
    promptTokens: z.number(),
    completionTokens: z.number(),
    answers: z.number().int(),
  }),
  byUser: z.array(
    z.object({
      userId: z.string(),
      username: z.string(),
      promptTokens: z.number(),
      completionTokens: z.number(),
    }),
  ),
  byModel: z.array(
    z.object({
      provider: z.string(),
      model: z.string(),
      answers: z.number().int(),
      promptTokens: z.number(),
      completionTokens: z.number(),
    }),
  ),
});
export type SessionUsage = z.infer<typeof sessionUsageSchema>;
