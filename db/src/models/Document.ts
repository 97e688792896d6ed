import type { DocumentStatus } from "@engunity/shared";
import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

export class Document extends Model<InferAttributes<Document>, InferCreationAttributes<Document>> {
  declare id: CreationOptional<string>;
  declare userId: string;
  declare sessionId: string | null;
  declare filename: string;
  /** Storage key (server-chosen), never the client's filename. */
  declare filePath: string;
  declare fileType: string | null;
  declare sizeBytes: number;
  declare status: CreationOptional<DocumentStatus>;
  declare chunkCount: CreationOptional<number>;
  declare error: CreationOptional<string | null>;
  /** Hex SHA-256 of the stored bytes. */
  declare sha256: CreationOptional<string | null>;
  /** Indexing progress 0..1. */
  declare progress: CreationOptional<number>;
  /** Embedder of the stored vectors; another id means the document needs re-ingesting. */
  declare embedderId: CreationOptional<string | null>;
  /** Which FileStore holds the bytes (`local` or `supabase`). */
  declare store: CreationOptional<string>;
  declare createdAt: CreationOptional<Date>;
  declare updatedAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        userId: { type: DataTypes.UUID, allowNull: false },
        sessionId: { type: DataTypes.UUID, allowNull: true },
        filename: { type: DataTypes.STRING(255), allowNull: false },
        filePath: { type: DataTypes.STRING(500), allowNull: false },
        fileType: { type: DataTypes.STRING(100), allowNull: true },
        sizeBytes: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: "uploaded" },
        chunkCount: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        error: { type: DataTypes.TEXT, allowNull: true },
        sha256: { type: DataTypes.STRING(64), allowNull: true },
        progress: { type: DataTypes.FLOAT, allowNull: false, defaultValue: 0 },
        embedderId: { type: DataTypes.STRING(128), allowNull: true },
        store: { type: DataTypes.STRING(16), allowNull: false, defaultValue: "local" },
        createdAt: DataTypes.DATE,
        updatedAt: DataTypes.DATE,
      },
      { sequelize, tableName: "documents", underscored: true },
    );
  }
}
