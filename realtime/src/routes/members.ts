import { authorize, forbidden, notFound } from "@engunity/core";
import {
  blockUser,
  countMembers,
  createInvite,
  listInvitations,
  listInvites,
  presentSession,
  presentUser,
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
import { presentMembers, publish } from "../announce";
import {
  acceptInviteLink,
  addSessionMember,
  answerSessionInvitation,
  changeSessionMemberRole,
  removeSessionMember,
} from "../commands/memberCommands";
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

  /** Adds a member: 201 with the members, or 202 when it waits (see `addSessionMember`). */
  router.post("/:id/members", writes, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const me = currentUser(req);
    await authorize(ctx.db, me.id, sessionId, "manageMembers");
    const body = parse(addMemberBodySchema, req.body);
    const { result, events } = await addSessionMember(ctx, me, sessionId, body);
    await publish(ctx, events);
    if (result.status === "pending") return void res.status(202).json({ status: "pending" });
    const members = await presentMembers(ctx, ctx.db, sessionId);
    res.status(201).json({ member: members.find((m) => m.user.id === result.userId), members });
  });

  router.patch("/:id/members/:userId", writes, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    await authorize(ctx.db, currentUser(req).id, sessionId, "manageMembers");
    const userId = userIdParam(req.params.userId);
    const body = parse(patchMemberBodySchema, req.body);
    await publish(ctx, await changeSessionMemberRole(ctx, sessionId, userId, body.role));
    const members = await presentMembers(ctx, ctx.db, sessionId);
    res.json({ member: members.find((m) => m.user.id === userId), members });
  });

  router.delete("/:id/members/:userId", writes, async (req, res) => {
    const sessionId = sessionIdParam(req.params.id);
    const userId = userIdParam(req.params.userId);
    await publish(ctx, await removeSessionMember(ctx, currentUser(req), sessionId, userId));
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
    const { result, events } = await acceptInviteLink(ctx, currentUser(req).id, token);
    await publish(ctx, events);
    const { session } = result;
    res.json({
      session: presentSession(session, result.role, await countMembers(ctx.db, session.id)),
      joined: result.joined,
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
      const out = await answerSessionInvitation(
        ctx,
        currentUser(req).id,
        parsed.data,
        answer === "accept",
      );
      if (!out) throw notFound("Invitation");
      await publish(ctx, out.events);
      if (!out.result) return void res.status(204).end();
      const { session, role } = out.result;
      res.json({ session: presentSession(session, role, await countMembers(ctx.db, session.id)) });
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
