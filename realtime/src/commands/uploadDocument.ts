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
import { sessionRoom } from "@engunity/shared";
import type { AppContext } from "../context";
import type { ReceivedFile } from "../http/receiveUpload";

/**
 * Turns a received upload into a stored `processing` document and queues its ingest.
 * The type is decided by content; a zip must be a real, bounded Word document; the
 * uploader's quota must hold. On any refusal nothing is stored — the caller removes
 * the temp file in every case.
 */
export async function uploadDocument(
  ctx: AppContext,
  input: { userId: string; sessionId: string; file: ReceivedFile },
): Promise<Document> {
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
  await ctx.ai.ingest.enqueue({
    documentId: doc.id,
    sessionId: input.sessionId,
    enqueuedAt: Date.now(),
  });
  ctx.emitter.to(sessionRoom(input.sessionId)).emit("document:progress", {
    sessionId: input.sessionId,
    documentId: doc.id,
    status: "processing",
    progress: 0,
  });
  return doc;
}

/**
 * Deletes a document everywhere: its row and chunks, every worker's index (the
 * `deleted` event, which also cancels a running ingest), and its stored bytes.
 */
export async function removeDocument(ctx: AppContext, doc: Document): Promise<void> {
  await deleteDocument(ctx.db, doc.id);
  const sessionId = doc.sessionId ?? "";
  await ctx.ai.documents
    .publish({ type: "deleted", sessionId, documentId: doc.id })
    .catch((err) => ctx.logger.warn({ err }, "could not announce a deleted document"));
  ctx.emitter.to(sessionRoom(sessionId)).emit("document:deleted", {
    sessionId,
    documentId: doc.id,
  });
  try {
    await openFileStore(ctx.config, doc.store === "supabase" ? "supabase" : "local").remove(
      doc.filePath,
    );
  } catch (err) {
    ctx.logger.warn({ err, documentId: doc.id }, "could not remove a deleted document's file");
  }
}
