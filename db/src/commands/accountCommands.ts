import { randomBytes } from "node:crypto";
import { Op } from "sequelize";
import type { Db } from "../index";

export interface DeletedAccount {
  /** Sessions the person owned: deleted with their messages, members and documents. */
  ownedSessionIds: string[];
  /** Other people's sessions they were a member of: they left them. */
  leftSessionIds: string[];
}

/**
 * Deletes an account (PROTOCOL.md `DELETE /auth/me`). Sessions the person owns are
 * deleted — handing them to someone who never asked to own them would be a surprise,
 * and their members are told (`session:deleted`). Their messages in other people's
 * sessions stay, because the conversation would not make sense without them, but
 * anonymised: the user row becomes a tombstone ("Deleted user", no email, no usable
 * password, inactive), so nothing personal is left and no one can sign in as it.
 */
export async function deleteAccount(db: Db, userId: string): Promise<DeletedAccount> {
  const m = db.models;
  return db.transaction(async (transaction) => {
    const owned = await m.ChatSession.findAll({
      where: { userId },
      attributes: ["id"],
      transaction,
    });
    const ownedSessionIds = owned.map((s) => s.id);
    const memberships = await m.SessionMember.findAll({
      where: {
        userId,
        ...(ownedSessionIds.length ? { sessionId: { [Op.notIn]: ownedSessionIds } } : {}),
      },
      attributes: ["sessionId"],
      transaction,
    });
    if (ownedSessionIds.length) {
      await m.ChatSession.destroy({ where: { id: ownedSessionIds }, transaction });
    }
    await m.SessionMember.destroy({ where: { userId }, transaction });
    await m.MemberInvitation.destroy({
      where: { [Op.or]: [{ userId }, { invitedBy: userId }] },
      transaction,
    });
    await m.UserBlock.destroy({
      where: { [Op.or]: [{ blockerId: userId }, { blockedId: userId }] },
      transaction,
    });
    await m.Invite.destroy({ where: { createdBy: userId }, transaction });
    await m.LoginSession.destroy({ where: { userId }, transaction });
    const tag = userId.replace(/-/g, "").slice(0, 12);
    await m.User.update(
      {
        username: `deleted-${tag}`,
        email: `deleted-${userId}@deleted.invalid`,
        fullName: "Deleted user",
        hashedPassword: `deleted$${randomBytes(16).toString("hex")}`,
        isActive: false,
        consentRequired: true,
      },
      { where: { id: userId }, transaction },
    );
    return { ownedSessionIds, leftSessionIds: memberships.map((mm) => mm.sessionId) };
  });
}

/** Deactivates an account (an admin's decision): it cannot sign in, and nothing is deleted. */
export async function setAccountActive(db: Db, userId: string, active: boolean): Promise<boolean> {
  const [count] = await db.models.User.update({ isActive: active }, { where: { id: userId } });
  return count > 0;
}
