import { z } from "zod";
import type { ErrorBody } from "./errors";
import { LIMITS } from "./limits";
import type { Document, Member, Message, MessageVersion, Role, Session, User } from "./objects";
import { providerNameSchema } from "./objects";
import { clientIdSchema, messageContentSchema, type ReadState } from "./rest";
import type { RoomMessage } from "./roomMessage";

/** Socket.IO payloads (PROTOCOL.md "Socket.IO"), validated on the server with zod. */

const sessionIdSchema = z.uuid();

/**
 * `presence`: how this socket hears who is here. `"changes"` (the default): the join ack
 * holds a page of people and counts, then `presence:join` / `presence:leave` keep that
 * page current — bounded bytes per socket however large the room. `"full"`: the whole
 * list in the ack and in every `presence` and `member:updated` event (O(room) each).
 */
export const joinPayloadSchema = z.object({
  sessionId: sessionIdSchema,
  presence: z.enum(["full", "changes"]).optional(),
});
export const leavePayloadSchema = z.object({ sessionId: sessionIdSchema });
/** `session:members` / `session:presence`: one more page of a room's people. */
export const pagePayloadSchema = z.object({
  sessionId: sessionIdSchema,
  offset: z.number().int().min(0).max(1_000_000).default(0),
  limit: z.number().int().min(1).max(LIMITS.peoplePageMax).default(LIMITS.peoplePage),
});
export const sendPayloadSchema = z.object({
  sessionId: sessionIdSchema,
  content: messageContentSchema,
  clientId: clientIdSchema,
  ai: z.boolean().optional(),
  provider: providerNameSchema.optional(),
  model: z.string().trim().min(1).max(128).optional(),
});
export const stopPayloadSchema = z.object({ sessionId: sessionIdSchema, messageId: z.uuid() });
export const resumePayloadSchema = z.object({
  sessionId: sessionIdSchema,
  messageId: z.uuid(),
  afterSeq: z.number().int().min(0),
});
export const typingPayloadSchema = z.object({ sessionId: sessionIdSchema, typing: z.boolean() });
/** `ai:regenerate`: a new version of an answer (the current one is kept as a version). */
export const regeneratePayloadSchema = z.object({
  sessionId: sessionIdSchema,
  messageId: z.uuid(),
  provider: providerNameSchema.optional(),
  model: z.string().trim().min(1).max(128).optional(),
});
/** `ai:continue`: go on with an answer that stopped (at the token limit, say). */
export const continuePayloadSchema = z.object({ sessionId: sessionIdSchema, messageId: z.uuid() });
/** `message:edit`: change one's own sent message; its answer is generated again. */
export const editPayloadSchema = z.object({
  sessionId: sessionIdSchema,
  messageId: z.uuid(),
  content: messageContentSchema,
});
export const versionsPayloadSchema = continuePayloadSchema;

export type JoinPayload = z.input<typeof joinPayloadSchema>;
export type LeavePayload = z.infer<typeof leavePayloadSchema>;
export type PagePayload = z.input<typeof pagePayloadSchema>;
export type SendPayload = z.infer<typeof sendPayloadSchema>;
export type StopPayload = z.infer<typeof stopPayloadSchema>;
export type ResumePayload = z.infer<typeof resumePayloadSchema>;
export type TypingPayload = z.infer<typeof typingPayloadSchema>;
export type RegeneratePayload = z.infer<typeof regeneratePayloadSchema>;
export type ContinuePayload = z.infer<typeof continuePayloadSchema>;
export type EditPayload = z.infer<typeof editPayloadSchema>;

/** A running generation as carried in the join ack: the text so far, and who writes it. */
export interface GenerationSnapshot {
  messageId: string;
  epoch: number;
  seq: number;
  text: string;
  /** As in `ai:start`; absent until the run's provider answered. */
  provider?: string;
  model?: string;
}

export interface Delta {
  seq: number;
  text: string;
}

export type Ack<T> = (response: ({ ok: true } & T) | ErrorBody) => void;

export interface JoinAck {
  session: Session;
  messages: Message[];
  /** The first page of members (all of them when joined with `presence: "full"`). */
  members: Member[];
  memberCount: number;
  /** The first page of the people here (all of them with `presence: "full"`). */
  presence: User[];
  presenceCount: number;
  /** The presence page as of this seq; apply `presence:join`/`leave` with a higher one. */
  presenceSeq: number;
  generations: GenerationSnapshot[];
}

/** `presence:join`: people who came into the shown page; `count` is everyone here. */
export interface PresenceJoin {
  sessionId: string;
  seq: number;
  count: number;
  users: User[];
}

/** `presence:leave`: people no longer in the shown page (gone, or pushed past it). */
export interface PresenceLeave {
  sessionId: string;
  seq: number;
  count: number;
  userIds: string[];
}

export interface ClientToServerEvents {
  "session:join": (payload: JoinPayload, ack: Ack<JoinAck>) => void;
  "session:leave": (payload: LeavePayload, ack: Ack<object>) => void;
  /** More members, `offset` into the join ack's order (owner, editors, viewers). */
  "session:members": (
    payload: PagePayload,
    ack: Ack<{ members: Member[]; memberCount: number }>,
  ) => void;
  /** More of the people here, `offset` into the order of the presence page. */
  "session:presence": (
    payload: PagePayload,
    ack: Ack<{ users: User[]; presenceCount: number; presenceSeq: number }>,
  ) => void;
  "message:send": (
    payload: SendPayload,
    ack: Ack<{ message: Message; assistantMessageId?: string }>,
  ) => void;
  "ai:stop": (payload: StopPayload, ack: Ack<object>) => void;
  "ai:resume": (
    payload: ResumePayload,
    ack: Ack<{ epoch: number; deltas: Delta[]; done?: Message }>,
  ) => void;
  typing: (payload: TypingPayload) => void;
  "ai:regenerate": (payload: RegeneratePayload, ack: Ack<{ message: Message }>) => void;
  "ai:continue": (payload: ContinuePayload, ack: Ack<{ message: Message }>) => void;
  "message:edit": (
    payload: EditPayload,
    ack: Ack<{ message: Message; assistantMessage?: Message }>,
  ) => void;
  "message:versions": (
    payload: ContinuePayload,
    ack: Ack<{ message: Message; versions: MessageVersion[] }>,
  ) => void;
}

export interface ServerToClientEvents {
  /** The new message without what the envelope says (see `RoomMessage`). */
  "message:new": (payload: { sessionId: string; message: RoomMessage }) => void;
  /** A message revised (edited, or an answer regenerated / continued: it streams again). */
  "message:updated": (payload: { sessionId: string; message: Message }) => void;
  "ai:start": (payload: {
    sessionId: string;
    messageId: string;
    provider: string;
    model: string;
    epoch: number;
  }) => void;
  "ai:delta": (payload: {
    sessionId: string;
    messageId: string;
    epoch: number;
    seq: number;
    text: string;
  }) => void;
  "ai:done": (payload: { sessionId: string; message: Message }) => void;
  /** Only to sockets that joined with `presence: "full"`: everyone here. */
  presence: (payload: { sessionId: string; users: User[] }) => void;
  "presence:join": (payload: PresenceJoin) => void;
  "presence:leave": (payload: PresenceLeave) => void;
  typing: (payload: { sessionId: string; userId: string; typing: boolean }) => void;
  "session:updated": (payload: { session: Session }) => void;
  "session:deleted": (payload: { sessionId: string }) => void;
  /** The first page of members and the count (every member with `presence: "full"`). */
  "member:updated": (payload: {
    sessionId: string;
    members: Member[];
    memberCount: number;
  }) => void;
  /** On the personal channel only: see MembershipNotice. */
  membership: (payload: MembershipNotice) => void;
  /**
   * User channel: a message arrived in one of the user's sessions (to every member's
   * sockets but those viewing that session, which get its `message:new`), for live
   * unread counts.
   */
  "session:activity": (payload: {
    sessionId: string;
    messageId: string;
    authorId: string | null;
    createdAt: string;
  }) => void;
  /** User channel: the user's read state of a session changed (on any of their devices). */
  "session:read": (payload: ReadState) => void;
  "document:progress": (payload: {
    sessionId: string;
    documentId: string;
    status: Document["status"];
    progress: number;
    error?: string;
  }) => void;
  /** A document was deleted (its citations in old answers stay as they were). */
  "document:deleted": (payload: { sessionId: string; documentId: string }) => void;
}

/**
 * What the personal channel (room `user:<id>`, every socket of the user joins it)
 * tells a person about their memberships, live: they were added (and by whom), an add
 * awaits their consent, or they were removed.
 */
export type MembershipNotice =
  | { type: "added"; session: { id: string; title: string }; role: Role; by: User }
  | {
      type: "invited";
      invitationId: string;
      session: { id: string; title: string };
      role: Role;
      by: User;
    }
  | { type: "removed"; session: { id: string; title: string }; by: User | null };

/** Names of the server → client events, for metrics and emitters. */
export type ServerEventName = keyof ServerToClientEvents;
