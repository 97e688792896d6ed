import type {
  Document as DocumentWire,
  Member,
  Message,
  MessageVersion as MessageVersionWire,
  Role,
  RoomMessage,
  SelfUser,
  Session,
  SessionSettings,
  User as UserWire,
} from "@engunity/shared";
import { cleanDisplayName, defaultAiMode } from "@engunity/shared";
import type { ChatMessage } from "../models/ChatMessage";
import type { ChatSession } from "../models/ChatSession";
import type { Document } from "../models/Document";
import type { MessageVersion } from "../models/MessageVersion";
import type { SessionMember } from "../models/SessionMember";
import type { User } from "../models/User";

/** Model → wire object. The only place the contract's object shapes are built. */

/**
 * A person as everyone else sees them: no email (finding 6 — every member, a viewer
 * from a public link included, read every member's email), and a display name
 * cleaned of bidi overrides and invisible characters, even if stored before that rule.
 */
export function presentUser(user: User): UserWire {
  const fullName = user.fullName ? cleanDisplayName(user.fullName) || null : null;
  return { id: user.id, username: user.username, fullName };
}

/** The caller's own user: with their email and settings. */
export function presentSelf(user: User): SelfUser {
  return {
    ...presentUser(user),
    email: user.email,
    consentRequired: user.consentRequired ?? false,
  };
}

export function presentSettings(
  settings: Partial<SessionSettings> | null,
  memberCount: number,
): SessionSettings {
  const s = settings ?? {};
  const out: SessionSettings = { aiMode: s.aiMode ?? defaultAiMode(memberCount) };
  if (s.provider) out.provider = s.provider;
  if (s.model) out.model = s.model;
  if (s.preference) out.preference = s.preference;
  return out;
}

export function presentSession(session: ChatSession, role: Role, memberCount: number): Session {
  return {
    id: session.id,
    title: session.title,
    role,
    createdAt: session.createdAt.toISOString(),
    updatedAt: session.updatedAt.toISOString(),
    activityAt: session.activityAt.toISOString(),
    messageCount: session.messageCount,
    memberCount,
    settings: presentSettings(session.settings, memberCount),
  };
}

export function presentMember(member: SessionMember, online = false): Member {
  if (!member.user) throw new Error("presentMember needs the member's user loaded");
  return {
    user: presentUser(member.user),
    role: member.role,
    joinedAt: member.createdAt.toISOString(),
    online,
  };
}

export function presentMessage(message: ChatMessage): Message {
  const out: Message = {
    id: message.id,
    sessionId: message.sessionId,
    role: message.role,
    content: message.content,
    status: message.status,
    createdAt: message.createdAt.toISOString(),
    metadata: message.metadata ?? {},
  };
  if (message.author) out.author = presentUser(message.author);
  if (message.clientId) out.clientId = message.clientId;
  return out;
}

/** `message:new`'s form: no repeated session id, no empty metadata (`RoomMessage`). */
export function presentRoomMessage(message: ChatMessage): RoomMessage {
  const out: RoomMessage = {
    id: message.id,
    role: message.role,
    content: message.content,
    status: message.status,
    createdAt: message.createdAt.toISOString(),
  };
  const metadata = message.metadata;
  if (metadata && Object.keys(metadata).length) out.metadata = metadata;
  if (message.author) out.author = presentUser(message.author);
  if (message.clientId) out.clientId = message.clientId;
  return out;
}

export function presentDocument(doc: Document): DocumentWire {
  const out: DocumentWire = {
    id: doc.id,
    sessionId: doc.sessionId ?? "",
    filename: doc.filename,
    fileType: doc.fileType ?? "application/octet-stream",
    sizeBytes: doc.sizeBytes,
    status: doc.status,
    chunkCount: doc.chunkCount,
    progress: doc.status === "ready" ? 1 : Math.max(0, Math.min(1, doc.progress ?? 0)),
    uploadedBy: doc.userId,
    createdAt: doc.createdAt.toISOString(),
  };
  if (doc.error) out.error = doc.error;
  return out;
}

export function presentVersion(v: MessageVersion): MessageVersionWire {
  return {
    version: v.version,
    content: v.content,
    status: v.status,
    metadata: v.metadata ?? {},
    createdAt: v.createdAt.toISOString(),
  };
}
