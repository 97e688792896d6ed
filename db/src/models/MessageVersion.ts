import type { MessageMetadata, MessageStatus } from "@engunity/shared";
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

/** An earlier version of a message (before a regenerate, continue or edit). */
export class MessageVersion extends Model<
  InferAttributes<MessageVersion>,
  InferCreationAttributes<MessageVersion>
> {
  declare id: CreationOptional<string>;
  declare messageId: string;
  declare version: number;
  declare content: string;
  declare status: MessageStatus;
  declare metadata: MessageMetadata;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        messageId: { type: DataTypes.UUID, allowNull: false },
        version: { type: DataTypes.INTEGER, allowNull: false },
        content: { type: DataTypes.TEXT, allowNull: false },
        status: { type: DataTypes.STRING(16), allowNull: false },
        metadata: { type: DataTypes.JSON, allowNull: false, defaultValue: {} },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "message_versions", underscored: true, updatedAt: false },
    );
  }
}
