import type { Db } from "../index";
import type { User } from "../models/User";

export class LastAdminError extends Error {
  override name = "LastAdminError";
  constructor() {
    super("The last active admin cannot be demoted or deactivated");
  }
}

/**
 * Changes an account's admin flags. Refuses to leave the install without an active
 * admin (demoting or deactivating the last one). Returns the user, or null when unknown.
 */
export async function updateUserFlags(
  db: Db,
  userId: string,
  change: { isActive?: boolean; isSuperuser?: boolean },
): Promise<User | null> {
  return db.transaction(async (transaction) => {
    const user = await db.models.User.findByPk(userId, { transaction });
    if (!user) return null;
    const losesAdmin =
      user.isSuperuser &&
      user.isActive &&
      (change.isSuperuser === false || change.isActive === false);
    if (losesAdmin) {
      const admins = await db.models.User.count({
        where: { isSuperuser: true, isActive: true },
        transaction,
      });
      if (admins <= 1) throw new LastAdminError();
    }
    if (change.isActive !== undefined) user.isActive = change.isActive;
    if (change.isSuperuser !== undefined) user.isSuperuser = change.isSuperuser;
    await user.save({ transaction });
    return user;
  });
}
