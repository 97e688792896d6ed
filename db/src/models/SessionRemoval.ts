import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

/** A member removed by the owner; invite links created before `removedAt` cannot re-admit them. */
export class SessionRemoval extends Model<
  InferAttributes<SessionRemoval>,
  InferCreationAttributes<SessionRemoval>
> {
  declare sessionId: string;
  declare userId: string;
  declare removedAt: Date;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        sessionId: { type: DataTypes.UUID, primaryKey: true },
        userId: { type: DataTypes.UUID, primaryKey: true },
        removedAt: { type: DataTypes.DATE, allowNull: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "session_removals", underscored: true },
    );
  }
}
