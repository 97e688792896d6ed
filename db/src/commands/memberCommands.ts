import { createHash, randomBytes } from "node:crypto";
import type { Role } from "@engunity/shared";
import type { Db } from "../index";
import type { Invite } from "../models/Invite";
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

export async function removeMember(db: Db, sessionId: string, userId: string): Promise<number> {
  return db.models.SessionMember.destroy({ where: { sessionId, userId } });
}

export function hashInviteToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Creates an invite link token. Only its hash is stored. */
export async function createInvite(
  db: Db,
  input: { sessionId: string; createdBy: string; role: MemberRole; expiresInMinutes: number },
): Promise<{ token: string; invite: Invite }> {
  const token = randomBytes(24).toString("base64url");
  const invite = await db.models.Invite.create({
    sessionId: input.sessionId,
    createdBy: input.createdBy,
    tokenHash: hashInviteToken(token),
    role: input.role,
    expiresAt: new Date(Date.now() + input.expiresInMinutes * 60_000),
  });
  return { token, invite };
}

export type AcceptResult =
  | { kind: "joined" | "already"; sessionId: string; role: Role }
  | { kind: "invalid" };

/**
 * Accepts an invite: joins with the invite's role, or keeps an existing membership as
 * it is (an invite never demotes an owner or editor). Unknown and expired tokens are
 * `invalid`, indistinguishably.
 */
export async function acceptInvite(db: Db, token: string, userId: string): Promise<AcceptResult> {
  return db.transaction(async (transaction) => {
    const invite = await db.models.Invite.findOne({
      where: { tokenHash: hashInviteToken(token) },
      transaction,
    });
    if (!invite || invite.expiresAt.getTime() <= Date.now()) return { kind: "invalid" };
    const existing = await db.models.SessionMember.findOne({
      where: { sessionId: invite.sessionId, userId },
      transaction,
    });
    if (existing) return { kind: "already", sessionId: invite.sessionId, role: existing.role };
    await db.models.SessionMember.create(
      { sessionId: invite.sessionId, userId, role: invite.role },
      { transaction },
    );
    await invite.increment("acceptedCount", { transaction });
    return { kind: "joined", sessionId: invite.sessionId, role: invite.role };
  });
}
