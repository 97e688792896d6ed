import { z } from "zod";
import { aiModeSchema, providerNameSchema } from "./objects";

/** The embeddable widget's REST bodies and objects (PROTOCOL.md "Widget"). */

/** An exact browser origin: scheme, host and optional port, no path, no wildcard. */
export const originSchema = z
  .string()
  .trim()
  .max(200)
  .regex(
    /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/,
    "must be an exact origin like https://app.example.com (no wildcards, no path)",
  )
  .transform((o) => o.toLowerCase());

/** Per-key daily caps; 0 means unlimited. */
export const widgetCapsSchema = z.object({
  sessionsPerDay: z.number().int().min(0).max(1_000_000).default(200),
  messagesPerVisitorPerDay: z.number().int().min(0).max(100_000).default(100),
  aiTokensPerDay: z.number().int().min(0).max(1_000_000_000).default(200_000),
});
export type WidgetCaps = z.infer<typeof widgetCapsSchema>;

/** What a "new session per visitor" key creates each visitor's session from. */
export const widgetTemplateSchema = z.object({
  title: z.string().trim().min(1).max(120).default("Chat"),
  aiMode: aiModeSchema.default("every"),
  provider: providerNameSchema.optional(),
  /**
   * Documents to share: each visitor's session can cite these (the AI retrieves from
   * them beside the session's own) and the visitor can open them from a citation.
   * Ids of documents the key's creator can read; nothing is copied.
   */
  documents: z.array(z.uuid()).max(20).default([]),
});
export type WidgetTemplate = z.infer<typeof widgetTemplateSchema>;

export const createWidgetKeyBodySchema = z
  .object({
    /** Shown to visitors: "Alice from <teamName> joined". */
    teamName: z.string().trim().min(1).max(60).default("Our team"),
    allowedOrigins: z.array(originSchema).min(1).max(20),
    /** Bind the key to this one session (caller must own it), or … */
    sessionId: z.uuid().optional(),
    /** … create a session per visitor from this template (the default). */
    template: widgetTemplateSchema.optional(),
    allowAnonymous: z.boolean().default(false),
    caps: widgetCapsSchema.default({
      sessionsPerDay: 200,
      messagesPerVisitorPerDay: 100,
      aiTokensPerDay: 200_000,
    }),
  })
  .refine((b) => !(b.sessionId && b.template), {
    message: "give sessionId or template, not both",
  });
export type CreateWidgetKeyBody = z.infer<typeof createWidgetKeyBodySchema>;

export const widgetKeySchema = z.object({
  /** Public: it goes in the embed URL (`/embed?k=<id>`). */
  id: z.string(),
  teamName: z.string(),
  /** The secret's first characters, to tell keys apart. */
  prefix: z.string(),
  allowedOrigins: z.array(z.string()),
  mode: z.enum(["session", "perVisitor"]),
  sessionId: z.string().nullable(),
  template: widgetTemplateSchema.nullable(),
  allowAnonymous: z.boolean(),
  caps: widgetCapsSchema,
  createdAt: z.string(),
  rotatedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type WidgetKey = z.infer<typeof widgetKeySchema>;

/** A visitor as the host's backend vouches for them; no `id` = anonymous (if the key allows). */
export const widgetVisitorInputSchema = z.object({
  id: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_:.@-]+$/, "letters, digits and _ : . @ - only")
    .optional(),
  name: z.string().trim().min(1).max(80).optional(),
  email: z.email().max(254).optional(),
});

export const createWidgetTokenBodySchema = z.object({
  sessionId: z.uuid().optional(),
  visitor: widgetVisitorInputSchema.default({}),
  /** The page the visitor is on, shown to the team: a web address, nothing else. */
  pageUrl: z
    .url({ protocol: /^https?$/, error: "pageUrl must be an http(s) address" })
    .max(2000)
    .optional(),
});
export type CreateWidgetTokenBody = z.infer<typeof createWidgetTokenBodySchema>;

export const widgetTokenSchema = z.object({
  token: z.string(),
  sessionId: z.string(),
  expiresAt: z.string(),
});
export type WidgetToken = z.infer<typeof widgetTokenSchema>;

/** What the team sees of one widget session. */
export const widgetSessionSchema = z.object({
  sessionId: z.string(),
  title: z.string(),
  activityAt: z.string(),
  visitor: z.object({ userId: z.string(), name: z.string(), pageUrl: z.string().nullable() }),
  /** Whether the caller is in the session already. */
  joined: z.boolean(),
});
export type WidgetSession = z.infer<typeof widgetSessionSchema>;

export const widgetSessionGroupSchema = z.object({
  key: widgetKeySchema,
  sessions: z.array(widgetSessionSchema),
});
export type WidgetSessionGroup = z.infer<typeof widgetSessionGroupSchema>;

/** Public, for the embed page: what it shows before a token arrives. */
export const widgetEmbedConfigSchema = z.object({
  keyId: z.string(),
  teamName: z.string(),
  allowedOrigins: z.array(z.string()),
});
export type WidgetEmbedConfig = z.infer<typeof widgetEmbedConfigSchema>;
