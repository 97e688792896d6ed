import { type AccessClaims, unauthorized } from "@engunity/core";
import type { User } from "@engunity/db";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import passport from "passport";
import { ExtractJwt, Strategy as JwtStrategy } from "passport-jwt";
import type { AppContext } from "../context";
import { recordAuthFailure } from "../failureEvents";
import { isWidgetRequest, widgetTokenRefusal } from "./widgetTokens";

declare global {
  namespace Express {
    interface User {
      id: string;
      model: import("@engunity/db").User;
      claims: AccessClaims;
    }
  }
}

/**
 * passport-jwt on a passport instance of this node's own (tests run several nodes in
 * one process). HS256 only — `alg: none` and RS/HS confusion are refused by the
 * verifier — and, since jsonwebtoken accepts tokens without `exp`, `exp` is
 * required here. A token of a deleted or deactivated user is refused too.
 */
export function createAuthenticator(ctx: AppContext): RequestHandler {
  const instance = new passport.Passport();
  instance.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: ctx.config.SECRET_KEY,
        algorithms: ["HS256"],
      },
      (claims: AccessClaims, done: (err: unknown, user?: Express.User | false) => void) => {
        if (typeof claims.exp !== "number" || typeof claims.sub !== "string")
          return done(null, false);
        // A widget token (`sid`) is bound to one session, and only the socket gateway
        // enforces that binding; REST has no widget routes, so it refuses them outright
        // rather than let one reach every session of its user.
        if (claims.sid !== undefined) return done(null, false);
        ctx.db.models.User.findByPk(claims.sub).then(
          (model: User | null) =>
            done(null, model?.isActive ? { id: model.id, model, claims } : false),
          (err: unknown) => done(err),
        );
      },
    ),
  );
  return (req: Request, res: Response, next: NextFunction) => {
    if (isWidgetRequest(ctx, req)) return next(widgetTokenRefusal());
    instance.authenticate("jwt", { session: false }, (err: unknown, user: Express.User | false) => {
      if (err) return next(err);
      if (!user) {
        recordAuthFailure(ctx, "token");
        return next(unauthorized("A valid access token is required"));
      }
      req.user = user;
      next();
    })(req, res, next);
  };
}

/** The authenticated user of a request behind the authenticator. */
export function currentUser(req: Request): Express.User {
  if (!req.user) throw unauthorized();
  return req.user;
}
