import type { SessionSettings } from "@engunity/shared";
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

export class ChatSession extends Model<
  InferAttributes<ChatSession>,
  InferCreationAttributes<ChatSession>
> {
  declare id: CreationOptional<string>;
  /** The owner. */
  declare userId: string;
  declare title: string;
  declare settings: Partial<SessionSettings>;
  declare messageCount: CreationOptional<number>;
  declare activityAt: CreationOptional<Date>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        userId: { type: DataTypes.UUID, allowNull: false },
        title: { type: DataTypes.STRING(255), allowNull: false, defaultValue: "" },
        settings: { type: DataTypes.JSON, allowNull: false, defaultValue: {} },
        messageCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        activityAt: { type: DataTypes.DATE, allowNull: false, defaultValue: DataTypes.NOW },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "chat_sessions", underscored: true },
    );
  }
}
