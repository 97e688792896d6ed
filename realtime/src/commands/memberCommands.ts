import { authorize, conflict, forbidden, notFound, requireMembership } from "@engunity/core";
import {
  acceptInvite,
  addMember,
  answerInvitation,
  type ChatSession,
  changeMemberRole,
  createInvitation,
  findUserBy,
  isBlocked,
  presentUser,
  removeMember,
  type User,
} from "@engunity/db";
import type { AddMemberBody, Role } from "@engunity/shared";
import type { AppContext } from "../context";
import type { DomainEvent, Outcome } from "../events";

/** Who runs a member command: the caller's id and row (the row names them in notices). */
export interface Actor {
  id: string;
  model: User;
}

/**
 * Adds a member. By username: `added`, or `pending` (an invitation waits) when the
 * person only accepts adds they approve, or has blocked the caller (then nothing is
 * stored, and the caller cannot tell). By email: always `pending`, whether or not the
 * address is registered (finding 6). The transport has authorized `manageMembers`
 * (before it parsed the body, so a non-manager learns nothing from a bad one).
 */
export async function addSessionMember(
  ctx: AppContext,
  me: Actor,
  sessionId: string,
  body: AddMemberBody,
): Promise<Outcome<{ status: "pending" } | { status: "added"; userId: string }>> {
  const byEmail = body.email !== undefined;
  const target = await findUserBy(
    ctx.db,
    byEmail ? { email: body.email! } : { username: body.username! },
  );
  const pending = { result: { status: "pending" as const }, events: [] };
  if (!target?.isActive) {
    if (byEmail) return pending;
    throw notFound("User");
  }
  if (
    await requireMembership(ctx.db, target.id, sessionId).then(
      () => true,
      () => false,
    )
  ) {
    throw conflict("That user is already a member");
  }
  if (await isBlocked(ctx.db, target.id, me.id)) return pending;
  const session = (await ctx.db.models.ChatSession.findByPk(sessionId))!;
  const about = { id: session.id, title: session.title };
  if (byEmail || target.consentRequired) {
    const invitation = await createInvitation(ctx.db, {
      sessionId,
      userId: target.id,
      invitedBy: me.id,
      role: body.role,
    });
    return {
      ...pending,
      events: [
        {
          type: "membership.changed",
          userId: target.id,
          notice: {
            type: "invited",
            invitationId: invitation.id,
            session: about,
            role: body.role,
            by: presentUser(me.model),
          },
        },
      ],
    };
  }
  const { created } = await addMember(ctx.db, sessionId, target.id, body.role);
  if (!created) throw conflict("That user is already a member");
  return {
    result: { status: "added", userId: target.id },
    events: [
      {
        type: "membership.changed",
        userId: target.id,
        notice: { type: "added", session: about, role: body.role, by: presentUser(me.model) },
      },
      ...joined(sessionId, target.id),
    ],
  };
}

/**
 * Changes a member's role (not the owner's); their open Yjs connections follow it. The
 * transport has authorized `manageMembers`.
 */
export async function changeSessionMemberRole(
  ctx: AppContext,
  sessionId: string,
  userId: string,
  role: Exclude<Role, "owner">,
): Promise<DomainEvent[]> {
  const target = await ctx.db.models.SessionMember.findOne({ where: { sessionId, userId } });
  if (!target) throw notFound("Member");
  if (target.role === "owner") throw forbidden("The owner's role cannot be changed");
  await changeMemberRole(ctx.db, sessionId, userId, role);
  return [
    { type: "member.roleChanged", sessionId, userId, role },
    { type: "members.updated", sessionId },
  ];
}

/** A member leaves (`userId` is the caller) or is removed by a manager; never the owner. */
export async function removeSessionMember(
  ctx: AppContext,
  me: Actor,
  sessionId: string,
  userId: string,
): Promise<DomainEvent[]> {
  const mine = await requireMembership(ctx.db, me.id, sessionId);
  if (userId !== me.id) await authorize(ctx.db, me.id, sessionId, "manageMembers");
  const target =
    userId === me.id
      ? mine
      : await ctx.db.models.SessionMember.findOne({ where: { sessionId, userId } });
  if (!target) throw notFound("Member");
  if (target.role === "owner") {
    throw forbidden("The owner cannot leave or be removed; delete the session instead");
  }
  await removeMember(ctx.db, sessionId, userId, { byOwner: userId !== me.id });
  const events: DomainEvent[] = [{ type: "member.removed", sessionId, userId }];
  if (userId !== me.id) {
    const session = await ctx.db.models.ChatSession.findByPk(sessionId);
    events.push({
      type: "membership.changed",
      userId,
      notice: {
        type: "removed",
        session: { id: sessionId, title: session?.title ?? "" },
        by: presentUser(me.model),
      },
    });
  }
  events.push({ type: "members.updated", sessionId });
  return events;
}

/** Joins the session an invite link points at (or finds the caller already in it). */
export async function acceptInviteLink(
  ctx: AppContext,
  me: string,
  token: string,
): Promise<Outcome<{ session: ChatSession; role: Role; joined: boolean }>> {
  const result = await acceptInvite(ctx.db, token, me);
  if (result.kind === "invalid") throw notFound("Invite");
  const session = await ctx.db.models.ChatSession.findByPk(result.sessionId);
  if (!session) throw notFound("Invite");
  const isNew = result.kind === "joined";
  return {
    result: { session, role: result.role, joined: isNew },
    events: isNew ? joined(result.sessionId, me) : [],
  };
}

/**
 * Accepts or declines an add waiting for the caller's consent; `null` when there is no
 * such invitation. A decline has no session to return.
 */
export async function answerSessionInvitation(
  ctx: AppContext,
  me: string,
  invitationId: string,
  accept: boolean,
): Promise<Outcome<{ session: ChatSession; role: Role } | undefined> | null> {
  const result = await answerInvitation(ctx.db, invitationId, me, accept);
  if (!result) return null;
  if (!accept) return { result: undefined, events: [] };
  const session = (await ctx.db.models.ChatSession.findByPk(result.sessionId))!;
  return { result: { session, role: result.role }, events: joined(result.sessionId, me) };
}

/** A new member's sockets start watching the session (live unread counts); the room is told. */
function joined(sessionId: string, userId: string): DomainEvent[] {
  return [
    { type: "member.joined", sessionId, userId },
    { type: "members.updated", sessionId },
  ];
}
