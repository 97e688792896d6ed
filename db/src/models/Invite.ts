import type { Role } from "@engunity/shared";
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type NonAttribute,
  type Sequelize,
} from "sequelize";
import type { User } from "./User";

export class Invite extends Model<InferAttributes<Invite>, InferCreationAttributes<Invite>> {
  declare id: CreationOptional<string>;
  declare sessionId: string;
  declare createdBy: string;
  /** SHA-256 of the link token: a leaked table does not leak working links. */
  declare tokenHash: string;
  declare role: Exclude<Role, "owner">;
  declare expiresAt: Date;
  declare acceptedCount: CreationOptional<number>;
  /** Accepts allowed in all; null = unlimited until it expires. */
  declare maxUses: CreationOptional<number | null>;
  declare revokedAt: CreationOptional<Date | null>;
  declare creator?: NonAttribute<User>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        sessionId: { type: DataTypes.UUID, allowNull: false },
        createdBy: { type: DataTypes.UUID, allowNull: false },
        tokenHash: { type: DataTypes.STRING(64), allowNull: false },
        role: { type: DataTypes.STRING(16), allowNull: false },
        expiresAt: { type: DataTypes.DATE, allowNull: false },
        acceptedCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        maxUses: { type: DataTypes.INTEGER, allowNull: true },
        revokedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "invites", underscored: true },
    );
  }
}
