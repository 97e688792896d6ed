import { existsSync } from "node:fs";
import { join } from "node:path";
import { idParamSchema } from "@engunity/shared";
import type { Express, Response } from "express";
import type { AppContext } from "../context";

/** The app's CSP, with `frame-ancestors` left to the caller. */
const BASE_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "object-src 'none'",
  "script-src-attr 'none'",
];

function setFrameAncestors(res: Response, ancestors: string): void {
  res.setHeader(
    "Content-Security-Policy",
    [...BASE_CSP, `frame-ancestors ${ancestors}`].join("; "),
  );
  // X-Frame-Options cannot list origins; frame-ancestors is the rule here.
  res.removeHeader("X-Frame-Options");
}

/**
 * `/embed?k=<key id>`: the widget panel's page. Framable only by the key's allowed
 * origins (`Content-Security-Policy: frame-ancestors`, a header, so a page cannot
 * loosen it); an unknown or revoked key may be framed by nobody. `/widget.js` is
 * loaded by host pages on other origins, so it is served cross-origin readable.
 */
export function serveEmbed(app: Express, ctx: AppContext, webDist: string): void {
  const page = join(webDist, "embed.html");
  app.get("/widget.js", (_req, res, next) => {
    res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
    res.setHeader("Cache-Control", "public, max-age=300");
    next();
  });
  app.get("/embed", async (req, res, next) => {
    try {
      const parsed = idParamSchema.safeParse(req.query.k);
      const key = parsed.success ? await ctx.db.models.WidgetKey.findByPk(parsed.data) : null;
      res.setHeader("Cache-Control", "no-store");
      if (!key || key.revokedAt || !existsSync(page)) {
        setFrameAncestors(res, "'none'");
        res
          .status(404)
          .type("html")
          .send("<!doctype html><title>Not found</title><p>This widget is not available.</p>");
        return;
      }
      setFrameAncestors(res, key.allowedOrigins.join(" "));
      res.sendFile(page);
    } catch (err) {
      next(err);
    }
  });
}
