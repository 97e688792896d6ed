import { z } from "zod";

/** Wire objects of the public contract (PROTOCOL.md "Objects"). */

export const roleSchema = z.enum(["owner", "editor", "viewer"]);
export type Role = z.infer<typeof roleSchema>;

/**
 * A person as others see them: no email (PROTOCOL.md "Objects": an email is shown only
 * to its owner). `email` is present only on the caller's own user (`selfSchema`).
 */
export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string().optional(),
  fullName: z.string().nullable(),
});
export type User = z.infer<typeof userSchema>;

/** The caller's own user (`/auth/me`, login, register): with email and settings. */
export const selfSchema = userSchema.extend({
  email: z.string(),
  consentRequired: z.boolean(),
});
export type SelfUser = z.infer<typeof selfSchema>;

/** The AI providers a request or a session may prefer (PROTOCOL.md "AI providers"). */
export const PROVIDER_NAMES = ["groq", "local", "openai", "offline"] as const;
export const providerNameSchema = z.enum(PROVIDER_NAMES);
export type ProviderName = z.infer<typeof providerNameSchema>;

/** `off`: the AI never answers (a human took the session over). */
export const aiModeSchema = z.enum(["every", "mention", "off"]);
export type AiMode = z.infer<typeof aiModeSchema>;

/**
 * How a session's answers are routed when no provider is chosen explicitly: `fast`
 * (Groq first), `private` (only a model on this server; nothing leaves it — enforced),
 * `quality` (the configured large model, AI_QUALITY_MODEL).
 */
export const AI_PREFERENCES = ["fast", "private", "quality"] as const;
export const aiPreferenceSchema = z.enum(AI_PREFERENCES);
export type AiPreference = z.infer<typeof aiPreferenceSchema>;

export const sessionSettingsSchema = z.object({
  aiMode: aiModeSchema,
  provider: z.string().optional(),
  model: z.string().optional(),
  preference: aiPreferenceSchema.optional(),
});
export type SessionSettings = z.infer<typeof sessionSettingsSchema>;

export const sessionSchema = z.object({
  id: z.string(),
  title: z.string(),
  role: roleSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Time of the last message, for "newest activity first". */
  activityAt: z.string(),
  messageCount: z.number().int(),
  memberCount: z.number().int(),
  settings: sessionSettingsSchema,
});
export type Session = z.infer<typeof sessionSchema>;

export const memberSchema = z.object({
  user: userSchema,
  role: roleSchema,
  joinedAt: z.string(),
  online: z.boolean(),
  /** Set on a member who came in through an embedded widget (the team's "visitor" badge). */
  visitor: z.object({ keyId: z.string(), pageUrl: z.string().nullable() }).optional(),
});
export type Member = z.infer<typeof memberSchema>;

export const messageRoleSchema = z.enum(["user", "assistant", "system", "tool"]);
export type MessageRole = z.infer<typeof messageRoleSchema>;

export const messageStatusSchema = z.enum(["complete", "streaming", "stopped", "error"]);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

export const citationSchema = z.object({
  documentId: z.string(),
  filename: z.string(),
  chunkId: z.string(),
  /** The cited passage (the chunk's text). */
  text: z.string(),
  /** The marker number `[n]` in the answer that points here (numbering never shifts). */
  n: z.number().int().min(1).optional(),
  /** 1-based page of a PDF. */
  page: z.number().int().min(1).optional(),
  /** Heading path of the passage, `Chapter > Section`. */
  heading: z.string().optional(),
  /** First and last source line (1-based) of text formats. */
  lineStart: z.number().int().min(1).optional(),
  lineEnd: z.number().int().min(1).optional(),
});
export type Citation = z.infer<typeof citationSchema>;

/** Why a provider attempt failed (PROTOCOL "AI routing"). */
export const FAILURE_KINDS = [
  "rate_limited",
  "server",
  "timeout",
  "refused",
  "cut",
  "client",
  "breaker_open",
  "unavailable",
] as const;
export const failureKindSchema = z.enum(FAILURE_KINDS);
export type FailureKind = z.infer<typeof failureKindSchema>;

/** One provider tried (or skipped) for an answer. */
export const attemptSchema = z.object({
  provider: z.string(),
  model: z.string(),
  outcome: z.enum(["ok", "error", "rate_limited", "stopped", "skipped"]),
  /** Set on a failure or skip. */
  kind: failureKindSchema.optional(),
  /** The HTTP status the provider answered with, if any. */
  status: z.number().int().optional(),
  error: z.string().optional(),
  /** ISO time the provider is skipped until (a long retry-after, an open breaker). */
  until: z.string().optional(),
  ttftMs: z.number().optional(),
  durationMs: z.number(),
});
export type Attempt = z.infer<typeof attemptSchema>;

export const messageMetadataSchema = z.object({
  provider: z.string().optional(),
  model: z.string().optional(),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }).optional(),
  ttftMs: z.number().optional(),
  durationMs: z.number().optional(),
  citations: z.array(citationSchema).optional(),
  /** Said on an answer given while some of the session's documents were still being indexed. */
  notice: z.string().optional(),
  error: z.string().optional(),
  /** Set on a user message that asked the AI: the assistant message answering it. */
  assistantMessageId: z.string().optional(),
  /** On an answer: every provider tried or skipped, in order (the router falls back on failures). */
  attempts: z.array(attemptSchema).optional(),
  /** On an answer: how many runs it took (2 after its first worker died). */
  runs: z.number().int().optional(),
  /** On an answer: why the model stopped (`length` = the token limit; it can be continued). */
  finishReason: z.string().optional(),
  /** On a message with earlier versions (regenerated, continued, edited): the current one, from 1. */
  version: z.number().int().optional(),
  /** On a stopped answer: who stopped it, with their display name at the time. */
  stoppedBy: z.object({ id: z.string(), name: z.string() }).optional(),
});
export type MessageMetadata = z.infer<typeof messageMetadataSchema>;
/** Who stopped an answer (PROTOCOL "Stopping an answer"). */
export type Stopper = NonNullable<MessageMetadata["stoppedBy"]>;

export const messageSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  role: messageRoleSchema,
  content: z.string(),
  author: userSchema.optional(),
  status: messageStatusSchema,
  clientId: z.string().optional(),
  createdAt: z.string(),
  metadata: messageMetadataSchema,
});
export type Message = z.infer<typeof messageSchema>;

export const documentStatusSchema = z.enum(["uploaded", "processing", "ready", "failed"]);
export type DocumentStatus = z.infer<typeof documentStatusSchema>;

export const documentSchema = z.object({
  id: z.string(),
  sessionId: z.string(),
  filename: z.string(),
  fileType: z.string(),
  sizeBytes: z.number().int(),
  status: documentStatusSchema,
  chunkCount: z.number().int(),
  /** Indexing progress 0..1 (1 once ready). */
  progress: z.number().min(0).max(1),
  /** Human reason of a `failed` document. */
  error: z.string().optional(),
  /** Who uploaded it. */
  uploadedBy: z.string(),
  createdAt: z.string(),
});
export type Document = z.infer<typeof documentSchema>;

/** A provider's health as workers see it (PROTOCOL "AI routing"). */
export const providerHealthSchema = z.object({
  state: z.enum(["closed", "open", "half_open"]),
  failures: z.number().int(),
  openUntil: z.string().optional(),
  rateLimitedUntil: z.string().optional(),
  lastError: z.string().optional(),
  lastErrorAt: z.string().optional(),
});
export type ProviderHealth = z.infer<typeof providerHealthSchema>;

/** `GET /providers`: the one provider catalog, shared by realtime nodes and workers. */
export const providerListingSchema = z.object({
  providers: z.array(
    z.object({
      name: z.string(),
      /** Default first; from the provider's own `GET /models` (cached) when it has one. */
      models: z.array(z.string()),
      defaultModel: z.string(),
      /** False for providers that never leave the server (local, offline): `private` uses only these. */
      remote: z.boolean(),
      health: providerHealthSchema,
    }),
  ),
  default: z.string(),
  order: z.array(z.string()),
  /** What the `quality` preference asks for. */
  quality: z.object({ provider: z.string(), model: z.string() }).optional(),
});
export type ProviderListing = z.infer<typeof providerListingSchema>;

/** An earlier version of a message (before a regenerate, continue or edit). */
export const messageVersionSchema = z.object({
  version: z.number().int(),
  content: z.string(),
  status: messageStatusSchema,
  metadata: messageMetadataSchema,
  createdAt: z.string(),
});
export type MessageVersion = z.infer<typeof messageVersionSchema>;
