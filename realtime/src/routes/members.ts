import { authorize, can, conflict, forbidden, notFound, requireMembership } from "@engunity/core";
import {
  acceptInvite,
  addMember,
  answerInvitation,
  blockUser,
  changeMemberRole,
  countMembers,
  createInvitation,
  createInvite,
  findUserBy,
  isBlocked,
  listInvitations,
  listInvites,
  presentSession,
  presentUser,
  removeMember,
  revokeInvite,
  unblockUser,
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
import { limitWrites } from "../middleware/limitWrites";
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
  const writes = limitWrites(ctx);

  router.get("/:id/members", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "read");
    res.json({ members: await presentMembers(ctx, ctx.db, sessionId) });
  });

  /**
   * Adds a member. By username: 201 as before, or 202 (a pending invitation) when the
   * person only accepts adds they approve, or has blocked the caller (then nothing is
   * stored, and the caller cannot tell). By email: always 202, whether or not the
   * address is registered (finding 6: a 404 told anyone which emails exist).
   */
  router.post("/:id/members", writes, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const me = currentUser(req);
    await authorize(ctx.db, me.id, sessionId, "manageMembers");
    const body = parse(addMemberBodySchema, req.body);
    const byEmail = body.email !== undefined;
    const target = await findUserBy(
      ctx.db,
      byEmail ? { email: body.email! } : { username: body.username! },
    );
    const pending = () => void res.status(202).json({ status: "pending" });
    if (!target?.isActive) {
      if (byEmail) return pending();
      throw notFound("User");
    }
    if (
      await requireMembership(ctx.db, target.id, sessionId).then(
        () => true,
        () => false,
      )
    ) {
      throw conflict("That user is already a member");
    }
    if (await isBlocked(ctx.db, target.id, me.id)) return pending();
    const session = (await ctx.db.models.ChatSession.findByPk(sessionId))!;
    const about = { id: session.id, title: session.title };
    if (byEmail || target.consentRequired) {
      const invitation = await createInvitation(ctx.db, {
        sessionId,
        userId: target.id,
        invitedBy: me.id,
        role: body.role,
      });
      announce.membership(ctx, target.id, {
        type: "invited",
        invitationId: invitation.id,
        session: about,
        role: body.role,
        by: presentUser(me.model),
      });
      return pending();
    }
    const { created } = await addMember(ctx.db, sessionId, target.id, body.role);
    if (!created) throw conflict("That user is already a member");
    announce.membership(ctx, target.id, {
      type: "added",
      session: about,
      role: body.role,
      by: presentUser(me.model),
    });
    ctx.watch(sessionId, target.id);
    await announce.membersUpdated(ctx, sessionId);
    const members = await presentMembers(ctx, ctx.db, sessionId);
    res.status(201).json({ member: members.find((m) => m.user.id === target.id), members });
  });

  router.patch("/:id/members/:userId", writes, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "manageMembers");
    const userId = userIdParam(req.params.userId);
    const body = parse(patchMemberBodySchema, req.body);
    const target = await ctx.db.models.SessionMember.findOne({ where: { sessionId, userId } });
    if (!target) throw notFound("Member");
    if (target.role === "owner") throw forbidden("The owner's role cannot be changed");
    await changeMemberRole(ctx.db, sessionId, userId, body.role);
    // Open Yjs connections follow the new role at once, on every node (finding 8).
    ctx.roleChanged(sessionId, userId, can(body.role, "write"));
    await announce.membersUpdated(ctx, sessionId);
    const members = await presentMembers(ctx, ctx.db, sessionId);
    res.json({ member: members.find((m) => m.user.id === userId), members });
  });

  router.delete("/:id/members/:userId", writes, async (req, res) => {
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
    await removeMember(ctx.db, sessionId, userId, { byOwner: userId !== me });
    ctx.evict(sessionId, userId);
    if (userId !== me) {
      const session = await ctx.db.models.ChatSession.findByPk(sessionId);
      announce.membership(ctx, userId, {
        type: "removed",
        session: { id: sessionId, title: session?.title ?? "" },
        by: presentUser(currentUser(req).model),
      });
    }
    await announce.membersUpdated(ctx, sessionId);
    res.status(204).end();
  });

  router.post("/:id/invites", writes, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const me = currentUser(req).id;
    await authorize(ctx.db, me, sessionId, "invite");
    const body = parse(createInviteBodySchema, req.body ?? {});
    const { token, invite } = await createInvite(ctx.db, { sessionId, createdBy: me, ...body });
    res.status(201).json({
      id: invite.id,
      token,
      url: `${ctx.publicUrl(req.get("origin"), req.get("host"))}/invite/${token}`,
      role: invite.role,
      expiresAt: invite.expiresAt.toISOString(),
      maxUses: invite.maxUses ?? null,
    });
  });

  router.get("/:id/invites", async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "invite");
    const invites = await listInvites(ctx.db, sessionId);
    res.json({
      invites: invites.map((i) => ({
        id: i.id,
        role: i.role,
        createdAt: i.createdAt.toISOString(),
        expiresAt: i.expiresAt.toISOString(),
        maxUses: i.maxUses ?? null,
        uses: i.acceptedCount,
        createdBy: i.creator ? presentUser(i.creator) : null,
      })),
    });
  });

  router.delete("/:id/invites/:inviteId", writes, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "invite");
    const parsed = idParamSchema.safeParse(req.params.inviteId);
    if (!parsed.success || !(await revokeInvite(ctx.db, sessionId, parsed.data))) {
      throw notFound("Invite");
    }
    res.status(204).end();
  });

  return router;
}

/** `/invites/:token/accept`: joins the session an invite link points at. */
export function inviteRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  router.post("/:token/accept", authenticate, limitWrites(ctx), async (req, res) => {
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

/**
 * `/invitations`: adds waiting for the caller's consent — list, accept, decline — and
 * `/users/:id/block`: refuse adds and invitations from a person.
 */
export function consentRoutes(ctx: AppContext, authenticate: RequestHandler): Router {
  const router = Router();
  const writes = limitWrites(ctx);

  router.get("/invitations", authenticate, async (req, res) => {
    const rows = await listInvitations(ctx.db, currentUser(req).id);
    res.json({
      invitations: rows.flatMap((i) =>
        i.session && i.inviter
          ? [
              {
                id: i.id,
                session: { id: i.session.id, title: i.session.title },
                invitedBy: presentUser(i.inviter),
                role: i.role,
                createdAt: i.createdAt.toISOString(),
              },
            ]
          : [],
      ),
    });
  });

  for (const answer of ["accept", "decline"] as const) {
    router.post(`/invitations/:id/${answer}`, authenticate, writes, async (req, res) => {
      const parsed = idParamSchema.safeParse(req.params.id);
      if (!parsed.success) throw notFound("Invitation");
      const me = currentUser(req).id;
      const result = await answerInvitation(ctx.db, parsed.data, me, answer === "accept");
      if (!result) throw notFound("Invitation");
      if (answer === "decline") return void res.status(204).end();
      // The new member's sockets start watching the session (live unread counts).
      ctx.watch(result.sessionId, me);
      await announce.membersUpdated(ctx, result.sessionId);
      const session = (await ctx.db.models.ChatSession.findByPk(result.sessionId))!;
      res.json({
        session: presentSession(session, result.role, await countMembers(ctx.db, session.id)),
      });
    });
  }

  router.post("/users/:id/block", authenticate, writes, async (req, res) => {
    const target = userIdParam(req.params.id);
    const me = currentUser(req).id;
    if (target === me) throw forbidden("You cannot block yourself");
    if (!(await ctx.db.models.User.findByPk(target, { attributes: ["id"] })))
      throw notFound("User");
    await blockUser(ctx.db, me, target);
    res.status(204).end();
  });

  router.delete("/users/:id/block", authenticate, writes, async (req, res) => {
    await unblockUser(ctx.db, currentUser(req).id, userIdParam(req.params.id));
    res.status(204).end();
  });

  return router;
}
