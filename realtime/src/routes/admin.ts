import { AppError, conflict, requireAdmin, settlesWithin, validationFailed } from "@engunity/core";
import {
  ANALYTICS_PANELS,
  type AnalyticsFilter,
  type Db,
  isTimeZone,
  LastAdminError,
  listUsers,
  type PriceTable,
  presentUser,
  refreshAnalyticsRollup,
  rolledUpTo,
  type User,
  type UserListing,
  updateUserFlags,
} from "@engunity/db";
import {
  ADMIN_LIMITS,
  type AdminUser,
  type AnalyticsResponse,
  adminUsersQuerySchema,
  analyticsQuerySchema,
  idParamSchema,
  patchAdminUserBodySchema,
} from "@engunity/shared";
import { type RequestHandler, Router } from "express";
import type { AppContext } from "../context";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";

/** How long an analytics request waits for the rollup to catch up before reading. */
const ROLLUP_WAIT_MS = 300;

const noSuchRoute = () => new AppError("not_found", "No such route");
const DAY_MS = 86_400_000;

/** `/admin`: users and usage analytics. Every route answers 404 to anyone but an admin. */
export function adminRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.use((req, res, next) => {
    // Signed out, or a token refused: 404 too, so the area is not discoverable.
    authenticate(req, res, (err?: unknown) => {
      if (err) return next(noSuchRoute());
      try {
        requireAdmin(req.user?.model);
        next();
      } catch (e) {
        next(e);
      }
    });
  });

  const present = async (row: UserListing): Promise<AdminUser> => ({
    user: presentUser(row.user),
    isActive: row.user.isActive,
    isSuperuser: row.user.isSuperuser,
    createdAt: row.user.createdAt.toISOString(),
    lastActiveAt: row.lastActiveAt?.toISOString() ?? null,
    messages: row.messages,
    promptTokens: row.promptTokens,
    completionTokens: row.completionTokens,
    tokensToday: await ctx.ai.usage.usedToday(row.user.id).catch(() => 0),
  });

  router.get("/users", async (req, res) => {
    const query = parse(adminUsersQuerySchema, req.query, "Query");
    const { users, total } = await listUsers(ctx.db, query);
    res.json({ users: await Promise.all(users.map(present)), total });
  });

  router.patch("/users/:id", async (req, res) => {
    const parsed = idParamSchema.safeParse(req.params.id);
    if (!parsed.success) throw new AppError("not_found", "User not found");
    const userId = parsed.data;
    const body = parse(patchAdminUserBodySchema, req.body);
    const me = currentUser(req);
    if (userId === me.id && (body.isActive === false || body.isSuperuser === false)) {
      throw conflict("You cannot deactivate or demote yourself; ask another admin");
    }
    let user: User | null;
    try {
      user = await updateUserFlags(ctx.db, userId, body);
    } catch (err) {
      if (err instanceof LastAdminError) throw conflict(err.message);
      throw err;
    }
    if (!user) throw new AppError("not_found", "User not found");
    if (body.isActive === false) await ctx.revokeUserConnections(user.id);
    if (body.resetQuota) await ctx.ai.usage.reset(user.id);
    const [row] = (
      await listUsers(ctx.db, { q: user.username, limit: 50, offset: 0 })
    ).users.filter((r) => r.user.id === user.id);
    res.json(
      await present(
        row ?? { user, messages: 0, promptTokens: 0, completionTokens: 0, lastActiveAt: null },
      ),
    );
  });

  router.get("/analytics", async (req, res) => {
    const filter = analyticsFilter(parse(analyticsQuerySchema, req.query, "Query"));
    // Whole settled UTC days come from the rollup, the rest of the range from raw rows.
    // The page waits for the rollup's catch-up only briefly: a first build over a big
    // history (a minute at 1M messages) goes on in the background while the panels read
    // up to the watermark it had — the same figures, from more raw rows.
    const refresh = refreshAnalyticsRollup(ctx.db);
    refresh.catch((err: unknown) => ctx.logger.warn({ err }, "analytics rollup refresh failed"));
    filter.rolledUpTo = (await settlesWithin(refresh, ROLLUP_WAIT_MS))
      ? await refresh.catch(() => rolledUpTo(ctx.db))
      : await rolledUpTo(ctx.db);
    const prices = ctx.config.aiPrices;
    const body: AnalyticsResponse = {
      range: { from: filter.from.toISOString(), to: filter.to.toISOString(), tz: filter.tz },
      priced: prices !== undefined,
      ...(await allPanels(ctx.db, filter, prices)),
    };
    res.json(body);
  });

  return router;
}

type Panels = typeof ANALYTICS_PANELS;
/** Every panel at once, by name (a panel without a price argument ignores the table). */
async function allPanels(
  db: Db,
  filter: AnalyticsFilter,
  prices: PriceTable | undefined,
): Promise<{ [K in keyof Panels]: Awaited<ReturnType<Panels[K]>> }> {
  const names = Object.keys(ANALYTICS_PANELS) as (keyof Panels)[];
  const results = await Promise.all(
    names.map((name) =>
      (ANALYTICS_PANELS[name] as (d: Db, f: AnalyticsFilter, p?: PriceTable) => Promise<unknown>)(
        db,
        filter,
        prices,
      ),
    ),
  );
  return Object.fromEntries(names.map((name, i) => [name, results[i]])) as {
    [K in keyof Panels]: Awaited<ReturnType<Panels[K]>>;
  };
}

/** The query as a filter: `to` defaults to now, `from` to seven days before `to`. */
function analyticsFilter(query: ReturnType<typeof analyticsQuerySchema.parse>): AnalyticsFilter {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * DAY_MS);
  if (from >= to) throw validationFailed("Query is invalid: from must be before to");
  if (to.getTime() - from.getTime() > ADMIN_LIMITS.rangeDaysMax * DAY_MS) {
    throw validationFailed(
      `Query is invalid: the range may span ${ADMIN_LIMITS.rangeDaysMax} days at most`,
    );
  }
  if (!isTimeZone(query.tz)) throw validationFailed(`Query is invalid at "tz": unknown time zone`);
  return {
    from,
    to,
    tz: query.tz,
    provider: query.provider,
    model: query.model,
    userId: query.userId,
  };
}
