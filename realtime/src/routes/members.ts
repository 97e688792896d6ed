import { authorize, conflict, forbidden, notFound, requireMembership } from "@engunity/core";
import {
  acceptInvite,
  addMember,
  changeMemberRole,
  countMembers,
  createInvite,
  findUserByLogin,
  presentSession,
  removeMember,
} from "@engunity/db";
import {
  addMemberBodySchema,
  createInviteBodySchema,
  idParamSchema,
  patchMemberBodySchema,
} from "@engunity/shared";
import { type RequestHandler, Router } from "express";
import { announce, presentMembers } from "../announce";
import type { AppContext } from "../context";
import { parse } from "../http/validate";
import { currentUser } from "../middleware/authenticate";
import { sessionIdParam } from "./sessions";

function userIdParam(raw: unknown): string {
  const parsed = idParamSchema.safeParse(raw);
  if (!parsed.success) throw notFound("Member");
  return parsed.data;
}

/** `/chat/:id/members` and `/chat/:id/invites`: who is in a session and how they get in. */
export function memberRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router({ mergeParams: true });
  router.use(authenticate);

  router.get("/:id/members", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "read");
    res.json({ members: await presentMembers(ctx, ctx.db, sessionId) });
  });

  router.post("/:id/members", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "manageMembers");
    const body = parse(addMemberBodySchema, req.body);
    const target = await findUserByLogin(ctx.db, (body.username ?? body.email)!);
    if (!target) throw notFound("User");
    const { created } = await addMember(ctx.db, sessionId, target.id, body.role);
    if (!created) throw conflict("That user is already a member");
    ctx.watch(sessionId, target.id);
    await announce.membersUpdated(ctx, sessionId);
    const members = await presentMembers(ctx, ctx.db, sessionId);
    res.status(201).json({ member: members.find((m) => m.user.id === target.id), members });
  });

  router.patch("/:id/members/:userId", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "manageMembers");
    const userId = userIdParam(req.params.userId);
    const body = parse(patchMemberBodySchema, req.body);
    const target = await ctx.db.models.SessionMember.findOne({ where: { sessionId, userId } });
    if (!target) throw notFound("Member");
    if (target.role === "owner") throw forbidden("The owner's role cannot be changed");
    await changeMemberRole(ctx.db, sessionId, userId, body.role);
    await announce.membersUpdated(ctx, sessionId);
    const members = await presentMembers(ctx, ctx.db, sessionId);
    res.json({ member: members.find((m) => m.user.id === userId), members });
  });

  router.delete("/:id/members/:userId", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const me = currentUser(req).id;
    const userId = userIdParam(req.params.userId);
    const mine = await requireMembership(ctx.db, me, sessionId);
    if (userId !== me) await authorize(ctx.db, me, sessionId, "manageMembers");
    const target =
      userId === me
        ? mine
        : await ctx.db.models.SessionMember.findOne({ where: { sessionId, userId } });
    if (!target) throw notFound("Member");
    if (target.role === "owner") {
      throw forbidden("The owner cannot leave or be removed; delete the session instead");
    }
    await removeMember(ctx.db, sessionId, userId);
    ctx.evict(sessionId, userId);
    await announce.membersUpdated(ctx, sessionId);
    res.status(204).end();
  });

  router.post("/:id/invites", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const me = currentUser(req).id;
    await authorize(ctx.db, me, sessionId, "invite");
    const body = parse(createInviteBodySchema, req.body ?? {});
    const { token, invite } = await createInvite(ctx.db, { sessionId, createdBy: me, ...body });
    res.status(201).json({
      token,
      url: `${ctx.publicUrl(req.get("origin"), req.get("host"))}/invite/${token}`,
      role: invite.role,
      expiresAt: invite.expiresAt.toISOString(),
    });
  });

  return router;
}

/** `/invites/:token/accept`: joins the session an invite link points at. */
export function inviteRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.post("/:token/accept", authenticate, async (req, res) => {
    const token = String(req.params.token ?? "");
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) throw notFound("Invite");
    const me = currentUser(req).id;
    const result = await acceptInvite(ctx.db, token, me);
    if (result.kind === "invalid") throw notFound("Invite");
    const session = await ctx.db.models.ChatSession.findByPk(result.sessionId);
    if (!session) throw notFound("Invite");
    if (result.kind === "joined") {
      ctx.watch(result.sessionId, me);
      await announce.membersUpdated(ctx, result.sessionId);
    }
    res.json({
      session: presentSession(session, result.role, await countMembers(ctx.db, session.id)),
      joined: result.kind === "joined",
    });
  });
  return router;
}
