import type { MessageMetadata, MessageRole, MessageStatus } from "@engunity/shared";
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

export class ChatMessage extends Model<
  InferAttributes<ChatMessage>,
  InferCreationAttributes<ChatMessage>
> {
  declare id: CreationOptional<string>;
  declare sessionId: string;
  declare authorId: string | null;
  declare role: MessageRole;
  declare content: string;
  declare status: CreationOptional<MessageStatus>;
  declare clientId: string | null;
  declare metadata: CreationOptional<MessageMetadata>;
  /** Analytics copies of an answer's metadata (migration 008); null on other rows. */
  declare aiProvider: CreationOptional<string | null>;
  declare aiModel: CreationOptional<string | null>;
  declare askerId: CreationOptional<string | null>;
  declare promptTokens: CreationOptional<number | null>;
  declare completionTokens: CreationOptional<number | null>;
  declare ttftMs: CreationOptional<number | null>;
  declare durationMs: CreationOptional<number | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;
  declare author?: NonAttribute<User | null>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        sessionId: { type: DataTypes.UUID, allowNull: false },
        authorId: { type: DataTypes.UUID, allowNull: true },
        role: { type: DataTypes.STRING(16), allowNull: false },
        content: { type: DataTypes.TEXT, allowNull: false },
        status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: "complete" },
        clientId: { type: DataTypes.STRING(64), allowNull: true },
        metadata: { type: DataTypes.JSON, allowNull: false, defaultValue: {} },
        aiProvider: { type: DataTypes.STRING(32), allowNull: true },
        aiModel: { type: DataTypes.STRING(128), allowNull: true },
        askerId: { type: DataTypes.UUID, allowNull: true },
        promptTokens: { type: DataTypes.INTEGER, allowNull: true },
        completionTokens: { type: DataTypes.INTEGER, allowNull: true },
        ttftMs: { type: DataTypes.INTEGER, allowNull: true },
        durationMs: { type: DataTypes.INTEGER, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "chat_messages", underscored: true },
    );
  }
}
