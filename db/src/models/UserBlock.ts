import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

/** `blockerId` will not be added to sessions, nor invited, by `blockedId`. */
export class UserBlock extends Model<
  InferAttributes<UserBlock>,
  InferCreationAttributes<UserBlock>
> {
  declare blockerId: string;
  declare blockedId: string;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        blockerId: { type: DataTypes.UUID, primaryKey: true },
        blockedId: { type: DataTypes.UUID, primaryKey: true },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "user_blocks", underscored: true },
    );
  }
}
