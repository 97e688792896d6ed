import {
  conflict,
  dummyPasswordHash,
  hashPassword,
  signAccessToken,
  unauthorized,
  verifyPassword,
} from "@engunity/core";
import {
  createUser,
  DuplicateUserError,
  findUserByLogin,
  presentUser,
  type User,
} from "@engunity/db";
import { loginBodySchema, registerBodySchema } from "@engunity/shared";
import type { RequestHandler } from "express";
import { Router } from "express";
import type { AppContext } from "../context";
import { recordAuthFailure } from "../failureEvents";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";

/** `/auth`: register, login (username or email), me. */
export function authRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  const cost = ctx.config.PASSWORD_HASH_COST;
  const tokenFor = (user: User) =>
    signAccessToken(ctx.config.SECRET_KEY, user.id, ctx.config.ACCESS_TOKEN_EXPIRE_MINUTES);

  router.post("/register", async (req, res) => {
    const body = parse(registerBodySchema, req.body);
    await ctx.limiters.register.consume(req.ip ?? "unknown");
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
    res.status(201).json({ user: presentUser(user), accessToken: tokenFor(user) });
  });

  router.post("/login", async (req, res) => {
    const body = parse(loginBodySchema, req.body);
    const user = await findUserByLogin(ctx.db, body.login);
    // Keyed by IP and account (a username and its email are one bucket), so one attacker
    // cannot lock a victim out from elsewhere, nor double their tries.
    const key = `${req.ip ?? "unknown"}:${user?.id ?? body.login.toLowerCase()}`;
    await ctx.limiters.login.consume(key);
    // Hash even for unknown logins, so timing does not tell which accounts exist.
    const ok = await verifyPassword(
      body.password,
      user?.hashedPassword ?? (await dummyPasswordHash(cost)),
    );
    if (!user || !ok || !user.isActive) {
      recordAuthFailure(ctx, "login", user?.id);
      throw unauthorized("Wrong login or password");
    }
    await ctx.limiters.login.reset(key);
    res.json({ user: presentUser(user), accessToken: tokenFor(user) });
  });

  // The caller's own account, with whether they are an admin (the web app shows the
  // admin area from it; other users' objects never carry the flag).
  router.get("/me", authenticate, (req, res) => {
    const { model } = currentUser(req);
    res.json({ ...presentUser(model), isSuperuser: model.isSuperuser });
  });

  return router;
}
