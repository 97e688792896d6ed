import {
  assertPasswordAcceptable,
  conflict,
  forbidden,
  hashPassword,
  newRefreshSecret,
  notFound,
  parseRefreshToken,
  refreshTokenGenuine,
  signAccessToken,
  signRefreshToken,
  unauthorized,
  verifyPassword,
  verifyUnknownAccount,
} from "@engunity/core";
import {
  createLoginSession,
  createUser,
  DuplicateUserError,
  findUserByLogin,
  listLoginSessions,
  presentSelf,
  type User,
} from "@engunity/db";
import {
  changePasswordBodySchema,
  deleteAccountBodySchema,
  idParamSchema,
  loginBodySchema,
  patchMeBodySchema,
  refreshBodySchema,
  registerBodySchema,
} from "@engunity/shared";
import type { Request, RequestHandler } from "express";
import { Router } from "express";
import { publish } from "../announce";
import { deleteAccount } from "../commands/accountCommands";
import type { AppContext } from "../context";
import { recordAuthFailure } from "../failureEvents";
import { parse } from "../http/validate";
import { currentLoginSession, currentUser } from "../middleware/authenticate";

/**
 * `/auth`: register, login (username or email), me, and the login sessions behind
 * every token: sign out (this device, everywhere, one from the list), change the
 * password, delete the account.
 */
export function authRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  const cost = ctx.config.PASSWORD_HASH_COST;
  const minutes = ctx.config.ACCESS_TOKEN_EXPIRE_MINUTES;
  const ip = (req: Request) => req.ip ?? "unknown";

  const refreshMs = ctx.config.REFRESH_TOKEN_EXPIRE_DAYS * 86_400_000;
  const secretKey = ctx.config.SECRET_KEY;

  /** A login session's tokens: a short access token and its current refresh token. */
  const tokensOf = (userId: string, loginSessionId: string, generation: number, secret: string) => {
    const accessToken = signAccessToken(secretKey, userId, minutes, { jti: loginSessionId });
    return {
      accessToken,
      accessTokenExpiresAt: new Date(Date.now() + minutes * 60_000).toISOString(),
      refreshToken: signRefreshToken(secretKey, loginSessionId, generation, secret),
    };
  };

  /** A new login session (a new refresh-token family) for `user` on the requesting device. */
  const signIn = async (req: Request, user: User) => {
    const secret = newRefreshSecret();
    const login = await createLoginSession(ctx.db, {
      userId: user.id,
      device: req.get("user-agent") ?? "",
      ip: req.ip ?? null,
      expiresAt: new Date(Date.now() + refreshMs),
      refreshSecret: secret,
    });
    return { user: presentSelf(user), ...tokensOf(user.id, login.id, 0, secret) };
  };

  /** The password again, for what a stolen token alone must not do. */
  const confirmPassword = async (user: User, password: string) => {
    await ctx.limiters.login.consume(`confirm:${user.id}`);
    if (!(await verifyPassword(password, user.hashedPassword))) {
      // 403, not 401: the token is fine (a 401 would make clients sign out).
      throw forbidden("The current password is wrong");
    }
  };

  router.post("/register", async (req, res) => {
    const body = parse(registerBodySchema, req.body);
    await ctx.limiters.register.consume(ip(req));
    assertPasswordAcceptable(body.password, [body.username, body.email, body.fullName ?? ""]);
    let user: User;
    try {
      user = await createUser(ctx.db, {
        ...body,
        hashedPassword: await hashPassword(body.password, cost),
      });
    } catch (err) {
      if (err instanceof DuplicateUserError) throw conflict(err.message);
      throw err;
    }
    res.status(201).json(await signIn(req, user));
  });

  router.post("/login", async (req, res) => {
    const body = parse(loginBodySchema, req.body);
    // Per IP first, whatever the login, and before any hashing or lookup (finding 1:
    // 200 parallel logins with made-up names each had a bucket of their own).
    await ctx.limiters.loginIp.consume(ip(req));
    const user = await findUserByLogin(ctx.db, body.login);
    // Keyed by IP and account (a username and its email are one bucket), so one attacker
    // cannot lock a victim out from elsewhere, nor double their tries.
    const key = `${ip(req)}:${user?.id ?? body.login.toLowerCase()}`;
    await ctx.limiters.login.consume(key);
    // An unknown login waits as long as a hash would, without hashing, so timing does
    // not tell which accounts exist and made-up names cost no CPU.
    const ok = user
      ? await verifyPassword(body.password, user.hashedPassword)
      : await verifyUnknownAccount(body.password, cost);
    if (!user || !ok || !user.isActive) {
      recordAuthFailure(ctx, "login", user?.id);
      throw unauthorized("Wrong login or password");
    }
    await ctx.limiters.login.reset(key);
    res.json(await signIn(req, user));
  });

  // Rotation on use: the current refresh token buys a new access token and the next
  // refresh token, and is spent. A spent one coming back means two holders (one of them
  // a thief): the whole login session is revoked, its live connections cut.
  router.post("/refresh", async (req, res) => {
    const body = parse(refreshBodySchema, req.body);
    const refused = () => unauthorized("Sign in again");
    const parts = parseRefreshToken(body.refreshToken);
    if (!parts) throw refused();
    await ctx.limiters.writes.consume(`refresh:${parts.loginSessionId}`);
    const row = await ctx.db.models.LoginSession.findByPk(parts.loginSessionId);
    if (!row?.refreshSecret || !refreshTokenGenuine(secretKey, parts, row.refreshSecret)) {
      recordAuthFailure(ctx, "refresh", row?.userId);
      throw refused();
    }
    if (row.revokedAt || row.expiresAt.getTime() <= Date.now()) throw refused();
    const rotated =
      parts.generation === row.refreshGeneration &&
      (
        await ctx.db.models.LoginSession.update(
          {
            refreshGeneration: parts.generation + 1,
            expiresAt: new Date(Date.now() + refreshMs),
            lastSeenAt: new Date(),
          },
          {
            where: {
              id: row.id,
              refreshGeneration: parts.generation,
              revokedAt: null,
            },
          },
        )
      )[0] === 1;
    if (!rotated) {
      // Spent (or spent a moment ago by a racing request): reuse. The family ends.
      recordAuthFailure(ctx, "refresh_reuse", row.userId);
      await ctx.revocation.revokeLoginSession(row.userId, row.id);
      throw unauthorized("This sign-in was ended: its refresh token was used twice");
    }
    const user = await ctx.db.models.User.findByPk(row.userId, { attributes: ["id", "isActive"] });
    if (!user?.isActive) throw refused();
    res.json(tokensOf(row.userId, row.id, parts.generation + 1, row.refreshSecret));
  });

  // The caller's own account, with whether they are an admin (the web app shows the
  // admin area from it; other users' objects never carry the flag).
  router.get("/me", authenticate, (req, res) => {
    const { model } = currentUser(req);
    res.json({ ...presentSelf(model), isSuperuser: model.isSuperuser });
  });

  router.patch("/me", authenticate, async (req, res) => {
    const { model } = currentUser(req);
    await ctx.limiters.writes.consume(model.id);
    const body = parse(patchMeBodySchema, req.body);
    if (body.fullName !== undefined) model.fullName = body.fullName || null;
    if (body.consentRequired !== undefined) model.consentRequired = body.consentRequired;
    await model.save();
    await publish(ctx, [{ type: "user.updated", userId: model.id }]);
    res.json(presentSelf(model));
  });

  router.post("/logout", authenticate, async (req, res) => {
    await ctx.revocation.revokeLoginSession(currentUser(req).id, currentLoginSession(req));
    res.status(204).end();
  });

  router.post("/logout-all", authenticate, async (req, res) => {
    await ctx.revocation.revokeUser(currentUser(req).id);
    res.status(204).end();
  });

  router.get("/sessions", authenticate, async (req, res) => {
    const current = currentLoginSession(req);
    const rows = await listLoginSessions(ctx.db, currentUser(req).id);
    res.json({
      sessions: rows.map((s) => ({
        id: s.id,
        device: s.device,
        createdAt: s.createdAt.toISOString(),
        lastSeenAt: s.lastSeenAt.toISOString(),
        current: s.id === current,
      })),
    });
  });

  router.delete("/sessions/:id", authenticate, async (req, res) => {
    const parsed = idParamSchema.safeParse(req.params.id);
    if (!parsed.success) throw notFound("Login session");
    const me = currentUser(req).id;
    const row = await ctx.db.models.LoginSession.findOne({
      where: { id: parsed.data, userId: me, revokedAt: null },
    });
    if (!row) throw notFound("Login session");
    await ctx.revocation.revokeLoginSession(me, row.id);
    res.status(204).end();
  });

  router.post("/password", authenticate, async (req, res) => {
    const { model } = currentUser(req);
    const body = parse(changePasswordBodySchema, req.body);
    await confirmPassword(model, body.currentPassword);
    assertPasswordAcceptable(body.newPassword, [model.username, model.email, model.fullName ?? ""]);
    model.hashedPassword = await hashPassword(body.newPassword, cost);
    await model.save();
    // Whoever else knew the old password is signed out everywhere; this device stays.
    await ctx.revocation.revokeUser(model.id, { except: currentLoginSession(req) });
    res.status(204).end();
  });

  router.delete("/me", authenticate, async (req, res) => {
    const { model } = currentUser(req);
    const body = parse(deleteAccountBodySchema, req.body ?? {});
    await confirmPassword(model, body.password);
    await publish(ctx, await deleteAccount(ctx, model.id));
    res.status(204).end();
  });

  return router;
}
