import { timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { AppError, unauthorized } from "@engunity/core";
import { LIMITS } from "@engunity/shared";
import express, { type Express, type RequestHandler } from "express";
import helmet from "helmet";
import type { AppContext } from "../context";
import { createAuthenticator } from "../middleware/authenticate";
import { errorHandler, notFoundHandler } from "../middleware/errorHandler";
import { jsonBodiesOnly } from "../middleware/jsonBodies";
import { requestMetrics } from "../middleware/requestMetrics";
import { adminRoutes } from "../routes/admin";
import { aiRoutes } from "../routes/ai";
import { authRoutes } from "../routes/auth";
import { documentRoutes, sessionDocumentRoutes } from "../routes/documents";
import { exportRoutes, searchRoutes } from "../routes/exportSearch";
import { healthRoutes } from "../routes/health";
import { consentRoutes, inviteRoutes, memberRoutes } from "../routes/members";
import { sessionRoutes } from "../routes/sessions";
import { widgetRoutes } from "../routes/widget";
import { yjsTicketRoutes } from "../routes/yjsTicket";
import { serveEmbed } from "./embed";
import { openApiDocument } from "./openapi";

/** Where the built web app lives (`npm run build -w web`). */
export const WEB_DIST = resolve(import.meta.dirname, "../../../web/dist");

/** The Express app of a realtime node: REST under /api/v1, metrics, and the web app. */
export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable("x-powered-by");
  // Rate limits key on req.ip: believe X-Forwarded-For only from the proxies we run behind.
  const trust = ctx.config.TRUST_PROXY;
  app.set("trust proxy", /^\d+$/.test(trust) ? Number(trust) : trust);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          "default-src": ["'self'"],
          "script-src": ["'self'"],
          "style-src": ["'self'", "'unsafe-inline'"],
          "img-src": ["'self'", "data:", "blob:"],
          "connect-src": ["'self'"],
          "frame-ancestors": ["'self'"],
          "upgrade-insecure-requests": null,
        },
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(requestMetrics(ctx.metrics));

  app.get("/metrics", metricsGuard(ctx), async (_req, res) => {
    res.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics());
  });

  const authenticate = createAuthenticator(ctx);
  const api = express.Router();
  api.use(express.json({ limit: LIMITS.jsonBodyBytes }));
  api.use(jsonBodiesOnly);
  api.use(healthRoutes(ctx));
  const spec = openApiDocument("1");
  api.get("/openapi.json", (_req, res) => {
    res.json(spec);
  });
  api.use("/auth", authRoutes(ctx, authenticate));
  api.use("/chat", sessionRoutes(ctx, authenticate));
  api.use("/chat", memberRoutes(ctx, authenticate));
  api.use("/chat", exportRoutes(ctx, authenticate));
  api.use("/chat", sessionDocumentRoutes(ctx, authenticate));
  api.use("/documents", documentRoutes(ctx, authenticate));
  api.use("/chat", yjsTicketRoutes(ctx, authenticate));
  api.use("/invites", inviteRoutes(ctx, authenticate));
  api.use("/search", searchRoutes(ctx, authenticate));
  api.use("/widget", widgetRoutes(ctx, authenticate));
  api.use(consentRoutes(ctx, authenticate));
  api.use("/admin", adminRoutes(ctx, authenticate));
  api.use(aiRoutes(ctx, authenticate));
  api.use(notFoundHandler);
  app.use("/api/v1", api);

  serveEmbed(app, ctx, WEB_DIST);
  serveWeb(app);
  app.use(notFoundHandler);
  app.use(errorHandler(ctx));
  return app;
}

/**
 * `/metrics` (finding 12: it answered anyone on every node). With `METRICS_TOKEN`, a
 * matching bearer token is required; without, only a direct loopback client (a
 * Prometheus beside the node) is answered — never a request that came through a
 * proxy, whose X-Forwarded-For says it is someone else's.
 */
function metricsGuard(ctx: AppContext): RequestHandler {
  const token = ctx.config.METRICS_TOKEN;
  const expected = token ? Buffer.from(`Bearer ${token}`) : null;
  return (req, _res, next) => {
    if (expected) {
      const given = Buffer.from(req.get("authorization") ?? "");
      const ok = given.length === expected.length && timingSafeEqual(given, expected);
      return next(ok ? undefined : unauthorized("/metrics needs the METRICS_TOKEN bearer token"));
    }
    const peer = req.socket.remoteAddress ?? "";
    const loopback = peer === "127.0.0.1" || peer === "::1" || peer === "::ffff:127.0.0.1";
    if (loopback && !req.get("x-forwarded-for")) return next();
    next(new AppError("not_found", "No such route"));
  };
}

/** The SPA: static files, and index.html for the app's routes. */
function serveWeb(app: Express): void {
  const index = join(WEB_DIST, "index.html");
  if (!existsSync(index)) {
    app.get("/", (_req, res) => {
      res
        .type("html")
        .send(
          "<!doctype html><title>Engunity</title><h1>Engunity</h1><p>The API is up at <code>/api/v1</code>. Build the web app with <code>npm run build -w web</code>.</p>",
        );
    });
    return;
  }
  app.use(express.static(WEB_DIST, { index: false, maxAge: "1h" }));
  app.get(
    ["/", "/login", "/admin", "/chat/{*rest}", "/invite/{*rest}", "/widget", "/widget/{*rest}"],
    (_req, res) => {
      res.setHeader("Cache-Control", "no-cache");
      res.sendFile(index);
    },
  );
}
