import { authorize } from "@engunity/core";
import { type ChatMessage, getAllMessages, presentMessage, searchMessages } from "@engunity/db";
import { exportQuerySchema, type SearchHit, searchQuerySchema } from "@engunity/shared";
import { type RequestHandler, Router } from "express";
import type { AppContext } from "../context";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";
import { sessionIdParam } from "./sessions";

function authorName(m: ChatMessage): string {
  if (m.role === "assistant") return `AI${m.metadata?.model ? ` (${m.metadata.model})` : ""}`;
  return m.author?.fullName || m.author?.username || m.role;
}

/** The session as Markdown: a heading, then each message under its author and time. */
export function toMarkdown(title: string, messages: ChatMessage[]): string {
  const parts = [`# ${title || "Untitled session"}`, ""];
  for (const m of messages) {
    const status = m.status === "complete" ? "" : ` _(${m.status})_`;
    parts.push(`### ${authorName(m)} — ${m.createdAt.toISOString()}${status}`, "", m.content, "");
  }
  return parts.join("\n");
}

function safeFilename(title: string): string {
  return (title || "session").replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || "session";
}

/** `/chat/:id/export` and `/search`. */
export function exportRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.get("/:id/export", authenticate, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "read");
    const { format } = parse(exportQuerySchema, req.query, "Query");
    const session = (await ctx.db.models.ChatSession.findByPk(sessionId))!;
    const messages = await getAllMessages(ctx.db, sessionId);
    const name = safeFilename(session.title);
    if (format === "json") {
      res.setHeader("Content-Disposition", `attachment; filename="${name}.json"`);
      res.json({
        session: {
          id: session.id,
          title: session.title,
          createdAt: session.createdAt.toISOString(),
        },
        messages: messages.map(presentMessage),
      });
      return;
    }
    res.setHeader("Content-Disposition", `attachment; filename="${name}.md"`);
    res.type("text/markdown; charset=utf-8").send(toMarkdown(session.title, messages));
  });
  return router;
}

export function searchRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.get("/", authenticate, async (req, res) => {
    const { q, limit, sessionId } = parse(searchQuerySchema, req.query, "Query");
    const userId = currentUser(req).id;
    if (sessionId) await authorize(ctx.db, userId, sessionId, "read");
    const hits = await searchMessages(ctx.db, userId, q, limit, { sessionId });
    res.json({
      results: hits.map(({ message, session, snippet, highlights }) => ({
        sessionId: session.id,
        sessionTitle: session.title,
        message: presentMessage(message),
        snippet,
        highlights,
      })) satisfies SearchHit[],
    });
  });
  return router;
}
