import { randomUUID } from "node:crypto";
import {
  AppError,
  inspectZip,
  KIND_SUFFIX,
  openFileStore,
  sniffFileType,
  unavailable,
  unsupportedMediaType,
  validationFailed,
  ZipRejected,
} from "@engunity/core";
import { createDocument, type Document, deleteDocument } from "@engunity/db";
import type { AppContext } from "../context";
import type { DomainEvent } from "../events";
import type { ReceivedFile } from "../http/receiveUpload";

/**
 * Turns a received upload into a stored `processing` document; published, its event
 * queues the ingest.
 * The type is decided by content; a zip must be a real, bounded Word document; the
 * uploader's quota must hold. On any refusal nothing is stored — the caller removes
 * the temp file in every case.
 */
export async function uploadDocument(
  ctx: AppContext,
  input: { userId: string; sessionId: string; file: ReceivedFile },
): Promise<{ document: Document; events: DomainEvent[] }> {
  const { file } = input;
  if (file.sizeBytes === 0) throw validationFailed("The file is empty");
  const sniffed = sniffFileType(file.head, file.filename);
  if (!sniffed.ok) throw unsupportedMediaType(sniffed.reason);
  if (sniffed.zip) {
    try {
      const zip = await inspectZip(file.tempPath);
      if (!zip.entries.includes("word/document.xml"))
        throw unsupportedMediaType("The file is a zip archive, not a Word (.docx) document");
    } catch (err) {
      if (err instanceof ZipRejected) throw unsupportedMediaType(err.message);
      throw err;
    }
  }
  const store = openFileStore(ctx.config);
  const key = `${randomUUID()}.${KIND_SUFFIX[sniffed.kind]}`;
  const quotaBytes = Math.floor(ctx.config.UPLOAD_QUOTA_MB * 1048576);
  const created = await createDocument(
    ctx.db,
    {
      userId: input.userId,
      sessionId: input.sessionId,
      filename: file.filename,
      filePath: key,
      fileType: sniffed.mime,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      store: store.kind,
    },
    quotaBytes,
  );
  if (!created.ok) {
    const mb = (n: number) => `${Number((n / 1048576).toFixed(1))} MB`;
    throw new AppError(
      "payload_too_large",
      `This upload would exceed your storage quota of ${mb(quotaBytes)} (${mb(created.usedBytes)} used); delete documents to make room`,
      { details: { quotaBytes, usedBytes: created.usedBytes } },
    );
  }
  const doc = created.document;
  try {
    await store.put(key, file.tempPath, sniffed.mime);
  } catch (err) {
    await deleteDocument(ctx.db, doc.id);
    throw unavailable("The file store is unavailable; try again shortly", err);
  }
  return { document: doc, events: [{ type: "document.uploaded", document: doc }] };
}

/**
 * Deletes a document's row and chunks. Published, its event reaches every worker's
 * index (and cancels a running ingest) and the room; then `removeDocumentFile`.
 */
export async function removeDocument(ctx: AppContext, doc: Document): Promise<DomainEvent[]> {
  await deleteDocument(ctx.db, doc.id);
  return [{ type: "document.deleted", sessionId: doc.sessionId ?? "", documentId: doc.id }];
}

/** Removes a deleted document's stored bytes (once nothing reads them any more). */
export async function removeDocumentFile(ctx: AppContext, doc: Document): Promise<void> {
  try {
    await openFileStore(ctx.config, doc.store === "supabase" ? "supabase" : "local").remove(
      doc.filePath,
    );
  } catch (err) {
    ctx.logger.warn({ err, documentId: doc.id }, "could not remove a deleted document's file");
  }
}
