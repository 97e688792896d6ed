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
import type { ChatSession } from "./ChatSession";
import type { User } from "./User";

/** An add waiting for the consent of the person added (they asked to approve adds). */
export class MemberInvitation extends Model<
  InferAttributes<MemberInvitation>,
  InferCreationAttributes<MemberInvitation>
> {
  declare id: CreationOptional<string>;
  declare sessionId: string;
  declare userId: string;
  declare invitedBy: string;
  declare role: Exclude<Role, "owner">;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare session?: NonAttribute<ChatSession>;
  declare inviter?: NonAttribute<User>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        sessionId: { type: DataTypes.UUID, allowNull: false },
        userId: { type: DataTypes.UUID, allowNull: false },
        invitedBy: { type: DataTypes.UUID, allowNull: false },
        role: { type: DataTypes.STRING(16), allowNull: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "member_invitations", underscored: true },
    );
  }
}
