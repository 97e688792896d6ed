import { Op } from "sequelize";
import type { Db } from "../index";
import type { Document } from "../models/Document";
import { vectorToBuffer } from "../models/DocumentChunk";

export interface NewDocument {
  userId: string;
  sessionId: string;
  filename: string;
  filePath: string;
  fileType: string;
  sizeBytes: number;
  sha256: string;
  store: string;
}

/** Bytes of every document a user has uploaded (the per-user quota counts these). */
export async function storageUsedBy(db: Db, userId: string): Promise<number> {
  const used = await db.models.Document.sum("sizeBytes", { where: { userId } });
  return Number(used ?? 0);
}

/**
 * Records an uploaded document as `processing` unless it would take its uploader past
 * `quotaBytes` (0 = unlimited). On Postgres the uploader's row is locked, so two
 * uploads at once cannot both slip under the quota; SQLite serialises transactions.
 */
export async function createDocument(
  db: Db,
  input: NewDocument,
  quotaBytes: number,
): Promise<{ ok: true; document: Document } | { ok: false; usedBytes: number }> {
  return db.transaction(async (transaction) => {
    if (quotaBytes > 0) {
      if (db.dialect === "postgres")
        await db.models.User.findByPk(input.userId, { transaction, lock: true });
      const used = Number(
        (await db.models.Document.sum("sizeBytes", {
          where: { userId: input.userId },
          transaction,
        })) ?? 0,
      );
      if (used + input.sizeBytes > quotaBytes) return { ok: false, usedBytes: used };
    }
    const document = await db.models.Document.create(
      { ...input, status: "processing", progress: 0 },
      { transaction },
    );
    return { ok: true, document };
  });
}

/** One chunk as ingestion produced it, ready to store. */
export interface NewChunk {
  ordinal: number;
  text: string;
  headingPath: string | null;
  page: number | null;
  lineStart: number | null;
  lineEnd: number | null;
  tokenCount: number;
  vector: Float32Array;
}

/**
 * Replaces a document's chunks and marks it `ready`. Rows go in in batches, each its
 * own short transaction (on SQLite, transactions queue one after the other, so one
 * long insert would hold up every message sent meanwhile); the document stays
 * `processing` — invisible to retrieval — until the last step flips it to `ready`.
 * Returns false when the document was deleted meanwhile (an ingest cancelled by
 * deleting): its rows are removed again and nothing is kept.
 */
export async function storeChunks(
  db: Db,
  documentId: string,
  embedderId: string,
  chunks: NewChunk[],
  between: () => Promise<void> = async () => {},
): Promise<boolean> {
  const doc = await db.models.Document.findByPk(documentId);
  if (!doc?.sessionId) return false;
  const sessionId = doc.sessionId;
  await db.models.DocumentChunk.destroy({ where: { documentId } });
  const now = new Date();
  try {
    for (let i = 0; i < chunks.length; i += 100) {
      await between();
      await db.transaction((transaction) =>
        db.models.DocumentChunk.bulkCreate(
          chunks.slice(i, i + 100).map((c) => ({
            documentId,
            sessionId,
            ordinal: c.ordinal,
            text: c.text,
            headingPath: c.headingPath,
            page: c.page,
            lineStart: c.lineStart,
            lineEnd: c.lineEnd,
            tokenCount: c.tokenCount,
            embedderId,
            vector: vectorToBuffer(c.vector),
            createdAt: now,
          })),
          { transaction },
        ),
      );
    }
  } catch (err) {
    // Deleted mid-way (the foreign key refuses rows of a gone document): cancelled.
    if (!(await db.models.Document.findByPk(documentId))) {
      await db.models.DocumentChunk.destroy({ where: { documentId } });
      return false;
    }
    throw err;
  }
  const [updated] = await db.models.Document.update(
    { status: "ready", progress: 1, chunkCount: chunks.length, embedderId, error: null },
    { where: { id: documentId, status: "processing" } },
  );
  if (updated !== 1) {
    await db.models.DocumentChunk.destroy({ where: { documentId } });
    return false;
  }
  return true;
}

/** Marks an ingest failed with a reason people can read. */
export async function failDocument(db: Db, documentId: string, reason: string): Promise<void> {
  await db.models.Document.update(
    { status: "failed", error: reason.slice(0, 500) },
    { where: { id: documentId } },
  );
}

/** Deletes a document and its chunks; returns the row as it was, or null. */
export async function deleteDocument(db: Db, documentId: string): Promise<Document | null> {
  return db.transaction(async (transaction) => {
    const doc = await db.models.Document.findByPk(documentId, { transaction });
    if (!doc) return null;
    await db.models.DocumentChunk.destroy({ where: { documentId }, transaction });
    await doc.destroy({ transaction });
    return doc;
  });
}

/** A session's documents, oldest first. */
export function listDocuments(db: Db, sessionId: string): Promise<Document[]> {
  return db.models.Document.findAll({
    where: { sessionId },
    order: [
      ["createdAt", "ASC"],
      ["id", "ASC"],
    ],
  });
}

/** Documents whose vectors came from another embedder than `embedderId` (re-ingest). */
export function documentsNeedingReindex(db: Db, embedderId: string): Promise<Document[]> {
  return db.models.Document.findAll({
    where: {
      status: { [Op.in]: ["ready", "failed"] },
      [Op.or]: [{ embedderId: { [Op.ne]: embedderId } }, { embedderId: null }],
    },
  });
}
