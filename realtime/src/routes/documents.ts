import { join } from "node:path";
import { authorize, notFound, openFileStore } from "@engunity/core";
import { type Document, listDocuments, presentDocument } from "@engunity/db";
import { idParamSchema } from "@engunity/shared";
import { type Request, type RequestHandler, type Response, Router } from "express";
import { publish } from "../announce";
import { removeDocument, removeDocumentFile, uploadDocument } from "../commands/uploadDocument";
import type { AppContext } from "../context";
import { drain, receiveUpload } from "../http/receiveUpload";
import { currentUser } from "../middleware/authenticate";
import { sessionIdParam } from "./sessions";

/** A document the caller may `action` on, or 404 (not a member, or no such document). */
async function documentFor(
  ctx: AppContext,
  req: Request,
  action: "read" | "upload",
): Promise<Document> {
  const parsed = idParamSchema.safeParse(req.params.id);
  if (!parsed.success) throw notFound("Document");
  const doc = await ctx.db.models.Document.findByPk(parsed.data);
  if (!doc?.sessionId) throw notFound("Document");
  try {
    await authorize(ctx.db, currentUser(req).id, doc.sessionId, action);
  } catch (err) {
    // Someone else's session: the document does not exist for them.
    if ((err as { code?: string }).code === "not_found") throw notFound("Document");
    throw err;
  }
  return doc;
}

/** `attachment; filename=…` with an ASCII fallback and the UTF-8 name (RFC 6266). */
function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** `/chat/:id/documents`: upload (editors) and list (members). */
export function sessionDocumentRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.post("/:id/documents", authenticate, async (req: Request, res: Response) => {
    const sessionId = sessionIdParam(req.params.id);
    const user = currentUser(req);
    // Whatever happens next, the body may be left unread: do not reuse the connection.
    res.setHeader("Connection", "close");
    // Refused before the body is stored: a viewer's upload costs nothing. The body is
    // drained (briefly) so the client reads the 403 instead of a connection reset.
    await authorize(ctx.db, user.id, sessionId, "upload").catch(async (err) => {
      await drain(req, 2000);
      throw err;
    });
    const maxBytes = Math.floor(ctx.config.MAX_UPLOAD_SIZE_MB * 1048576);
    const file = await receiveUpload(req, {
      tempDir: join(ctx.config.UPLOAD_DIR, ".tmp"),
      maxBytes,
    });
    try {
      const { document, events } = await uploadDocument(ctx, { userId: user.id, sessionId, file });
      await publish(ctx, events);
      res.removeHeader("Connection");
      res.status(202).json(presentDocument(document));
    } finally {
      await file.discard();
    }
  });

  router.get("/:id/documents", authenticate, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "read");
    const docs = await listDocuments(ctx.db, sessionId);
    res.json({ documents: docs.map(presentDocument) });
  });
  return router;
}

/** `/documents/:id`: download (members) and delete (editors; cancels an ingest). */
export function documentRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.use(authenticate);

  router.get("/:id/download", async (req, res) => {
    const doc = await documentFor(ctx, req, "read");
    const store = openFileStore(ctx.config, doc.store === "supabase" ? "supabase" : "local");
    const stream = await store.stream(doc.filePath).catch(() => {
      throw notFound("Document file");
    });
    res.setHeader("Content-Type", doc.fileType ?? "application/octet-stream");
    res.setHeader("Content-Length", String(doc.sizeBytes));
    res.setHeader("Content-Disposition", attachment(doc.filename));
    res.setHeader("X-Content-Type-Options", "nosniff");
    // Opened directly, the file still cannot run script in our origin.
    res.setHeader("Content-Security-Policy", "default-src 'none'; sandbox");
    res.setHeader("Cache-Control", "private, no-store");
    stream.on("error", () => res.destroy());
    stream.pipe(res);
  });

  router.delete("/:id", async (req, res) => {
    const doc = await documentFor(ctx, req, "upload");
    await publish(ctx, await removeDocument(ctx, doc));
    await removeDocumentFile(ctx, doc);
    res.status(204).end();
  });
  return router;
}
