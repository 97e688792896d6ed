import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

/** One sign-in of a user on a device; its id is the `jti` of the access tokens it issued. */
export class LoginSession extends Model<
  InferAttributes<LoginSession>,
  InferCreationAttributes<LoginSession>
> {
  declare id: CreationOptional<string>;
  declare userId: string;
  /** The client's User-Agent, shortened: how the person recognises it in the list. */
  declare device: string;
  declare ip: string | null;
  declare expiresAt: Date;
  declare lastSeenAt: Date;
  declare revokedAt: CreationOptional<Date | null>;
  /** Keys its refresh tokens (never leaves the server); null for sessions from before 010. */
  declare refreshSecret: CreationOptional<string | null>;
  /** The generation of its current refresh token; older ones are spent. */
  declare refreshGeneration: CreationOptional<number>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        userId: { type: DataTypes.UUID, allowNull: false },
        device: { type: DataTypes.STRING(200), allowNull: false, defaultValue: "" },
        ip: { type: DataTypes.STRING(64), allowNull: true },
        expiresAt: { type: DataTypes.DATE, allowNull: false },
        lastSeenAt: { type: DataTypes.DATE, allowNull: false },
        revokedAt: { type: DataTypes.DATE, allowNull: true },
        refreshSecret: { type: DataTypes.STRING(64), allowNull: true },
        refreshGeneration: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "login_sessions", underscored: true },
    );
  }
}
