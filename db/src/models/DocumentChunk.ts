import {
  type CreationOptional,
  DataTypes,
  type InferAttributes,
  type InferCreationAttributes,
  Model,
  type Sequelize,
} from "sequelize";

/** One retrievable passage of a document, with its provenance and its vector. */
export class DocumentChunk extends Model<
  InferAttributes<DocumentChunk>,
  InferCreationAttributes<DocumentChunk>
> {
  declare id: CreationOptional<string>;
  declare documentId: string;
  declare sessionId: string;
  /** Position in the document, from 0. */
  declare ordinal: number;
  declare text: string;
  /** `Chapter > Section`, or null before the first heading. */
  declare headingPath: string | null;
  declare page: number | null;
  declare lineStart: number | null;
  declare lineEnd: number | null;
  declare tokenCount: number;
  declare embedderId: string;
  /** float32 little-endian. */
  declare vector: Buffer;
  declare createdAt: CreationOptional<Date>;

  static initModel(sequelize: Sequelize): void {
    this.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        documentId: { type: DataTypes.UUID, allowNull: false },
        sessionId: { type: DataTypes.UUID, allowNull: false },
        ordinal: { type: DataTypes.INTEGER, allowNull: false },
        text: { type: DataTypes.TEXT, allowNull: false },
        headingPath: { type: DataTypes.TEXT, allowNull: true },
        page: { type: DataTypes.INTEGER, allowNull: true },
        lineStart: { type: DataTypes.INTEGER, allowNull: true },
        lineEnd: { type: DataTypes.INTEGER, allowNull: true },
        tokenCount: { type: DataTypes.INTEGER, allowNull: false },
        embedderId: { type: DataTypes.STRING(128), allowNull: false },
        vector: { type: DataTypes.BLOB, allowNull: false },
        createdAt: DataTypes.DATE,
      },
      { sequelize, tableName: "document_chunks", underscored: true, updatedAt: false },
    );
  }
}

/** A vector as the bytes stored in `document_chunks.vector`. */
export function vectorToBuffer(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Stored bytes back to a vector (copied, so it is aligned and independent of the row). */
export function bufferToVector(b: Buffer | Uint8Array): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
