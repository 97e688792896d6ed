import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

/** What an event records (PROTOCOL.md "Admin"). */
export type AppEventKind = "auth_failure" | "db_error" | "ai_failure";

/** One recorded failure the other tables do not hold (migration 008), pruned after a while. */
export class AppEvent extends Model<InferAttributes<AppEvent>, InferCreationAttributes<AppEvent>> {
  declare id: CreationOptional<number>;
  declare kind: AppEventKind;
  declare detail: string;
  declare provider: string | null;
  declare userId: string | null;
  declare createdAt: Date;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
        kind: { type: DataTypes.STRING(16), allowNull: false },
        detail: { type: DataTypes.STRING(64), allowNull: false, defaultValue: "" },
        provider: { type: DataTypes.STRING(32), allowNull: true },
        userId: { type: DataTypes.UUID, allowNull: true },
        createdAt: { type: DataTypes.DATE, allowNull: false },
      },
      { sequelize, tableName: "app_events", underscored: true, updatedAt: false },
    );
  }
}
