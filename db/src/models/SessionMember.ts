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

export class SessionMember extends Model<
  InferAttributes<SessionMember>,
  InferCreationAttributes<SessionMember>
> {
  declare sessionId: string;
  declare userId: string;
  declare role: Role;
  declare lastReadAt: CreationOptional<Date | null>;
  /** The newest message this member has read; `lastReadAt` is its `createdAt`. */
  declare lastReadMessageId: CreationOptional<string | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare user?: NonAttribute<User>;
  declare session?: NonAttribute<ChatSession>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        sessionId: { type: DataTypes.UUID, primaryKey: true },
        userId: { type: DataTypes.UUID, primaryKey: true },
        role: { type: DataTypes.STRING(16), allowNull: false },
        lastReadAt: { type: DataTypes.DATE, allowNull: true },
        lastReadMessageId: { type: DataTypes.UUID, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "session_members", underscored: true },
    );
  }
}
