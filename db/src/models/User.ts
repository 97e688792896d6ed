import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<string>;
  declare username: string;
  declare email: string;
  declare hashedPassword: string;
  declare fullName: string | null;
  declare isActive: CreationOptional<boolean>;
  declare isSuperuser: CreationOptional<boolean>;
  /** "Only people I accept may add me": adds become pending invitations. */
  declare consentRequired: CreationOptional<boolean>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        username: { type: DataTypes.STRING(64), allowNull: false },
        email: { type: DataTypes.STRING(255), allowNull: false },
        hashedPassword: { type: DataTypes.STRING(255), allowNull: false },
        fullName: { type: DataTypes.STRING(255), allowNull: true },
        isActive: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        isSuperuser: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        consentRequired: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "users", underscored: true },
    );
  }
}
