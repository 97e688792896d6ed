import { createHash, randomBytes } from "node:crypto";
import type { Role } from "@engunity/shared";
import { Op } from "sequelize";
import type { Db } from "../index";
import type { Invite } from "../models/Invite";
import type { MemberInvitation } from "../models/MemberInvitation";
import type { SessionMember } from "../models/SessionMember";

export type MemberRole = Exclude<Role, "owner">;

/** Adds a member, or returns the existing membership unchanged (`created: false`). */
export async function addMember(
  db: Db,
  sessionId: string,
  userId: string,
  role: MemberRole,
): Promise<{ member: SessionMember; created: boolean }> {
  return db.transaction(async (transaction) => {
    const existing = await db.models.SessionMember.findOne({
      where: { sessionId, userId },
      transaction,
    });
    if (existing) return { member: existing, created: false };
    const member = await db.models.SessionMember.create(
      { sessionId, userId, role },
      { transaction },
    );
    // Added back on purpose: old links still stay dead for them, new ones work.
    await db.models.MemberInvitation.destroy({ where: { sessionId, userId }, transaction });
    return { member, created: true };
  });
}

export async function changeMemberRole(
  db: Db,
  sessionId: string,
  userId: string,
  role: MemberRole,
): Promise<number> {
  const [count] = await db.models.SessionMember.update({ role }, { where: { sessionId, userId } });
  return count;
}

/**
 * Removes a member. `byOwner` records the removal, so that no invite link made before
 * now lets them back in (finding 5: a removed member re-joined through the same link).
 */
export async function removeMember(
  db: Db,
  sessionId: string,
  userId: string,
  opts: { byOwner?: boolean } = {},
): Promise<number> {
  return db.transaction(async (transaction) => {
    const count = await db.models.SessionMember.destroy({
      where: { sessionId, userId },
      transaction,
    });
    if (count && opts.byOwner) {
      await db.models.SessionRemoval.destroy({ where: { sessionId, userId }, transaction });
      await db.models.SessionRemoval.create(
        { sessionId, userId, removedAt: new Date() },
        { transaction },
      );
    }
    return count;
  });
}

export function hashInviteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Creates an invite link token. Only its hash is stored. */
export async function createInvite(
  db: Db,
  input: {
    sessionId: string;
    createdBy: string;
    role: MemberRole;
    expiresInMinutes: number;
    maxUses?: number;
  },
): Promise<{ token: string; invite: Invite }> {
  const token = randomBytes(24).toString("base64url");
  const invite = await db.models.Invite.create({
    sessionId: input.sessionId,
    createdBy: input.createdBy,
    tokenHash: hashInviteToken(token),
    role: input.role,
    expiresAt: new Date(Date.now() + input.expiresInMinutes * 60_000),
    maxUses: input.maxUses ?? null,
  });
  return { token, invite };
}

export type AcceptResult =
  | { kind: "joined" | "already"; sessionId: string; role: Role }
  | { kind: "invalid" };

/**
 * Accepts an invite: joins with the invite's role, or keeps an existing membership as
 * it is (an invite never demotes an owner or editor). Unknown, expired, revoked and
 * used-up links are `invalid`, indistinguishably, and so is a link made before its
 * user was removed from the session.
 */
export async function acceptInvite(db: Db, token: string, userId: string): Promise<AcceptResult> {
  return db.transaction(async (transaction) => {
    const invite = await db.models.Invite.findOne({
      where: { tokenHash: hashInviteToken(token) },
      transaction,
    });
    if (!invite || invite.expiresAt.getTime() <= Date.now() || invite.revokedAt) {
      return { kind: "invalid" };
    }
    const existing = await db.models.SessionMember.findOne({
      where: { sessionId: invite.sessionId, userId },
      transaction,
    });
    if (existing) return { kind: "already", sessionId: invite.sessionId, role: existing.role };
    if (invite.maxUses !== null && invite.acceptedCount >= invite.maxUses)
      return { kind: "invalid" };
    const removal = await db.models.SessionRemoval.findOne({
      where: { sessionId: invite.sessionId, userId },
      transaction,
    });
    if (removal && removal.removedAt.getTime() >= invite.createdAt.getTime()) {
      return { kind: "invalid" };
    }
    await db.models.SessionMember.create(
      { sessionId: invite.sessionId, userId, role: invite.role },
      { transaction },
    );
    await invite.increment("acceptedCount", { transaction });
    return { kind: "joined", sessionId: invite.sessionId, role: invite.role };
  });
}

/** A session's live invite links (not revoked, not expired), newest first. */
export async function listInvites(db: Db, sessionId: string): Promise<Invite[]> {
  return db.models.Invite.findAll({
    where: { sessionId, revokedAt: null, expiresAt: { [Op.gt]: new Date() } },
    include: [{ association: "creator" }],
    order: [["createdAt", "DESC"]],
    limit: 200,
  });
}

/** Revokes one invite link of a session; false when there is no such live link. */
export async function revokeInvite(db: Db, sessionId: string, inviteId: string): Promise<boolean> {
  const [count] = await db.models.Invite.update(
    { revokedAt: new Date() },
    { where: { id: inviteId, sessionId, revokedAt: null } },
  );
  return count > 0;
}

/** Whether `blockerId` has blocked `blockedId`. */
export async function isBlocked(db: Db, blockerId: string, blockedId: string): Promise<boolean> {
  return (await db.models.UserBlock.count({ where: { blockerId, blockedId } })) > 0;
}

/** Blocks a person: they can no longer add or invite the blocker (idempotent). */
export async function blockUser(db: Db, blockerId: string, blockedId: string): Promise<void> {
  await db.transaction(async (transaction) => {
    const found = await db.models.UserBlock.findOne({
      where: { blockerId, blockedId },
      transaction,
    });
    if (!found) await db.models.UserBlock.create({ blockerId, blockedId }, { transaction });
    // Their pending invitations to the blocker go too.
    await db.models.MemberInvitation.destroy({
      where: { userId: blockerId, invitedBy: blockedId },
      transaction,
    });
  });
}

export async function unblockUser(db: Db, blockerId: string, blockedId: string): Promise<void> {
  await db.models.UserBlock.destroy({ where: { blockerId, blockedId } });
}

/** Records an add waiting for the person's consent (one per session and person). */
export async function createInvitation(
  db: Db,
  input: { sessionId: string; userId: string; invitedBy: string; role: MemberRole },
): Promise<MemberInvitation> {
  return db.transaction(async (transaction) => {
    const existing = await db.models.MemberInvitation.findOne({
      where: { sessionId: input.sessionId, userId: input.userId },
      transaction,
    });
    if (existing) return existing;
    return db.models.MemberInvitation.create(input, { transaction });
  });
}

/** The person's pending invitations, newest first, with session and inviter. */
export async function listInvitations(db: Db, userId: string): Promise<MemberInvitation[]> {
  return db.models.MemberInvitation.findAll({
    where: { userId },
    include: [{ association: "session" }, { association: "inviter" }],
    order: [["createdAt", "DESC"]],
    limit: 200,
  });
}

/**
 * Answers a pending invitation: accepting joins with its role; declining drops it.
 * Null when the invitation is not the person's (or gone).
 */
export async function answerInvitation(
  db: Db,
  invitationId: string,
  userId: string,
  accept: boolean,
): Promise<{ sessionId: string; role: MemberRole } | null> {
  return db.transaction(async (transaction) => {
    const invitation = await db.models.MemberInvitation.findOne({
      where: { id: invitationId, userId },
      transaction,
    });
    if (!invitation) return null;
    await invitation.destroy({ transaction });
    const { sessionId, role } = invitation;
    if (accept) {
      const existing = await db.models.SessionMember.findOne({
        where: { sessionId, userId },
        transaction,
      });
      if (!existing)
        await db.models.SessionMember.create({ sessionId, userId, role }, { transaction });
    }
    return { sessionId, role };
  });
}
