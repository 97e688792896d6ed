import type { WidgetCaps, WidgetTemplate } from "@engunity/shared";
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

/** A host app's widget key. The secret itself is never stored, only its SHA-256. */
export class WidgetKey extends Model<
  InferAttributes<WidgetKey>,
  InferCreationAttributes<WidgetKey>
> {
  declare id: string;
  declare createdBy: string;
  declare teamName: string;
  declare secretHash: string;
  declare prefix: string;
  declare allowedOrigins: string[];
  /** Set: every visitor joins this one session. Null: a session per visitor from `template`. */
  declare sessionId: string | null;
  declare template: WidgetTemplate | null;
  declare allowAnonymous: boolean;
  declare caps: WidgetCaps;
  declare rotatedAt: CreationOptional<Date | null>;
  declare revokedAt: CreationOptional<Date | null>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true },
        createdBy: { type: DataTypes.UUID, allowNull: false },
        teamName: { type: DataTypes.STRING(60), allowNull: false },
        secretHash: { type: DataTypes.STRING(64), allowNull: false },
        prefix: { type: DataTypes.STRING(16), allowNull: false },
        allowedOrigins: { type: DataTypes.JSON, allowNull: false },
        sessionId: { type: DataTypes.UUID, allowNull: true },
        template: { type: DataTypes.JSON, allowNull: true },
        allowAnonymous: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        caps: { type: DataTypes.JSON, allowNull: false },
        rotatedAt: { type: DataTypes.DATE, allowNull: true },
        revokedAt: { type: DataTypes.DATE, allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "widget_keys", underscored: true },
    );
  }
}
