import { type ChatSession, type Db, memberRole, type SessionMember, type User } from "@engunity/db";
import { can, type SessionAction, type SessionRole } from "@engunity/shared";
import { forbidden, notFound } from "../errors";

/**
 * Who may do what in a session. Every REST route, socket event, room join and Yjs
 * connection asks here. A session the caller is not a member of is `not_found`
 * (never `forbidden`), so ids leak nothing.
 */
export type { SessionAction };
export { can };

/** The caller's membership, or `not_found` when they have none. */
export async function requireMembership(
  db: Db,
  userId: string,
  sessionId: string,
): Promise<SessionMember> {
  const member = await db.models.SessionMember.findOne({ where: { sessionId, userId } });
  if (!member) throw notFound("Session");
  return member;
}

/** The caller's membership if they may do `action`; `not_found` or `forbidden` otherwise. */
export async function authorize(
  db: Db,
  userId: string,
  sessionId: string,
  action: SessionAction,
): Promise<SessionMember> {
  const member = await requireMembership(db, userId, sessionId);
  ensureCan(member.role, action);
  return member;
}

/**
 * `authorize` for a caller that needs the role alone (a socket joining a room): one
 * plain statement, no model instance.
 */
export async function authorizeRole(
  db: Db,
  userId: string,
  sessionId: string,
  action: SessionAction,
): Promise<SessionRole> {
  const role = await memberRole(db, userId, sessionId);
  if (!role) throw notFound("Session");
  ensureCan(role, action);
  return role;
}

function ensureCan(role: SessionRole, action: SessionAction): void {
  if (!can(role, action)) throw forbidden(`${aRole(role)} may not ${describe(action)}`);
}

/** A member's right in a session, with the rows a command needs next (read once). */
export interface SessionAccess {
  member: SessionMember;
  session: ChatSession;
  user: User;
}

/**
 * `authorize` that also brings the session and the member's user in the same query, so
 * a command authorizes once and passes them down instead of reading them again.
 */
export async function authorizeAccess(
  db: Db,
  userId: string,
  sessionId: string,
  action: SessionAction,
): Promise<SessionAccess> {
  const member = await db.models.SessionMember.findOne({
    where: { sessionId, userId },
    include: [{ association: "session" }, { association: "user" }],
  });
  if (!member?.session || !member.user) throw notFound("Session");
  ensureCan(member.role, action);
  return { member, session: member.session, user: member.user };
}

/** "A viewer", "An editor", "An owner". */
export function aRole(role: string): string {
  return `${/^[aeiou]/.test(role) ? "An" : "A"} ${role}`;
}

function describe(action: SessionAction): string {
  switch (action) {
    case "read":
      return "read this session";
    case "write":
      return "send messages here";
    case "askAi":
      return "ask the AI here";
    case "stopAi":
      return "stop the AI here";
    case "upload":
      return "upload or delete documents here";
    case "editTitle":
      return "edit the title";
    case "editSettings":
      return "change this session's settings";
    case "invite":
      return "create or list invite links";
    case "manageMembers":
      return "manage members (or bind a widget key to this session)";
    case "shareDocuments":
      return "share this session's documents through a widget key";
    case "delete":
      return "delete this session";
  }
}
