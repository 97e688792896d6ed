import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

/** A visitor a widget key brought in: their user row, and the session they chat in. */
export class WidgetVisitor extends Model<
  InferAttributes<WidgetVisitor>,
  InferCreationAttributes<WidgetVisitor>
> {
  declare id: CreationOptional<string>;
  declare keyId: string;
  declare externalId: string;
  declare userId: string;
  declare sessionId: string | null;
  declare name: string;
  declare email: string | null;
  declare pageUrl: string | null;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        keyId: { type: DataTypes.UUID, allowNull: false },
        externalId: { type: DataTypes.STRING(140), allowNull: false },
        userId: { type: DataTypes.UUID, allowNull: false },
        sessionId: { type: DataTypes.UUID, allowNull: true },
        name: { type: DataTypes.STRING(80), allowNull: false },
        email: { type: DataTypes.STRING(254), allowNull: true },
        pageUrl: { type: DataTypes.STRING(2000), allowNull: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "widget_visitors", underscored: true },
    );
  }
}
