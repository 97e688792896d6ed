import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

/**
 * One stored Yjs update (or a merge of many) of a co-edited doc. A doc is the merge
 * of all its rows; rows are append-only apart from compaction, which inserts the
 * merge of some rows and then deletes exactly those rows.
 */
export class YjsUpdate extends Model<
  InferAttributes<YjsUpdate>,
  InferCreationAttributes<YjsUpdate>
> {
  declare id: CreationOptional<number>;
  /** The y-websocket room, e.g. `session:<id>`. */
  declare docName: string;
  /** The session the doc belongs to, so deleting the session deletes its doc. */
  declare sessionId: string | null;
  declare data: Buffer;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        docName: { type: DataTypes.STRING(128), allowNull: false },
        sessionId: { type: DataTypes.UUID, allowNull: true },
        data: { type: DataTypes.BLOB, allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "yjs_updates", underscored: true, updatedAt: false },
    );
  }
}
