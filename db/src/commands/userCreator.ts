import { Op } from "sequelize";
import type { Db } from "../index";
import type { User } from "../models/User";

export class DuplicateUserError extends Error {
  override name = "DuplicateUserError";
  constructor(readonly field: "username" | "email") {
    super(`That ${field} is already taken`);
  }
}

/**
 * Creates an account; the first account of a fresh install is its admin. Usernames and emails are unique case-insensitively: both are
 * stored as given but compared lower-cased (email lower-cased on the way in).
 */
export async function createUser(
  db: Db,
  input: { username: string; email: string; hashedPassword: string; fullName?: string },
): Promise<User> {
  const { User } = db.models;
  const email = input.email.toLowerCase();
  return db.transaction(async (transaction) => {
    const clash = await User.findOne({
      where: {
        [Op.or]: [
          db.sequelize.where(
            db.sequelize.fn("lower", db.sequelize.col("username")),
            input.username.toLowerCase(),
          ),
          { email },
        ],
      },
      transaction,
    });
    if (clash) {
      throw new DuplicateUserError(clash.email === email ? "email" : "username");
    }
    const first = (await User.count({ transaction })) === 0;
    return User.create(
      {
        username: input.username,
        email,
        hashedPassword: input.hashedPassword,
        fullName: input.fullName ?? null,
        isSuperuser: first,
      },
      { transaction },
    );
  });
}

/** Finds a user by username (any case) or email, for login and for adding members. */
export async function findUserByLogin(db: Db, login: string): Promise<User | null> {
  const lowered = login.toLowerCase();
  return db.models.User.findOne({
    where: {
      [Op.or]: [
        db.sequelize.where(db.sequelize.fn("lower", db.sequelize.col("username")), lowered),
        { email: lowered },
      ],
    },
  });
}
