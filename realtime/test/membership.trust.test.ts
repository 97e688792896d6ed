import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type DbKind, type TestStack } from "../../test/support/node";
import { type ClientSocket, connectClient, once } from "../../test/support/sockets";

type Account = { user: { id: string; username: string }; token: string };

/** Findings 5 and 6: links that can be revoked and used up, consent, blocks, no email oracle. */
describe.each<DbKind>(["sqlite", "postgres"])("membership trust on %s", (kind) => {
  let stack: TestStack;
  let api: ApiClient;
  let url: string;
  let owner: Account;
  let bob: Account;
  let carol: Account;
  let dave: Account;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    stack = await createTestStack(kind, { worker: false });
    url = (await stack.startNode()).url;
    api = apiClient(url);
    owner = await api.register("owner");
    bob = await api.register("bob");
    carol = await api.register("carol");
    dave = await api.register("dave");
  });
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(() => stack?.close());

  const newSession = async (title: string) =>
    (await api.post("/chat/sessions", { title }, owner.token)).body.id as string;
  const link = async (sessionId: string, body: object = { role: "viewer" }) =>
    (await api.post(`/chat/${sessionId}/invites`, body, owner.token)).body;
  const accept = async (token: string, who: Account) =>
    (await api.post(`/invites/${token}/accept`, undefined, who.token)).status;
  const memberIds = async (sessionId: string) =>
    (await api.get(`/chat/${sessionId}/members`, owner.token)).body.members.map(
      (m: { user: { id: string } }) => m.user.id,
    );

  it("keeps a removed member out of old links; links can be listed, revoked and used up", async () => {
    const sessionId = await newSession("Links");
    const open = await link(sessionId);
    expect(await accept(open.token, bob)).toBe(200);
    expect((await api.del(`/chat/${sessionId}/members/${bob.user.id}`, owner.token)).status).toBe(
      204,
    );
    // Finding 5: the same link again, and any link made before the removal: refused.
    expect(await accept(open.token, bob)).toBe(404);
    expect(await memberIds(sessionId)).toEqual([owner.user.id]);
    // A link made after the removal is the owner's fresh decision.
    const fresh = await link(sessionId);
    expect(await accept(fresh.token, bob)).toBe(200);

    const once1 = await link(sessionId, { role: "editor", maxUses: 1 });
    expect(once1.maxUses).toBe(1);
    expect(await accept(once1.token, carol)).toBe(200);
    expect(await accept(once1.token, dave)).toBe(404);

    const listed = await api.get(`/chat/${sessionId}/invites`, owner.token);
    expect(listed.status).toBe(200);
    const byId = new Map(listed.body.invites.map((i: { id: string }) => [i.id, i]));
    expect(byId.get(once1.id)).toMatchObject({ uses: 1, maxUses: 1, role: "editor" });
    expect(JSON.stringify(listed.body)).not.toContain(open.token);
    // Only the owner sees or revokes links.
    expect((await api.get(`/chat/${sessionId}/invites`, bob.token)).status).toBe(403);
    expect((await api.del(`/chat/${sessionId}/invites/${open.id}`, bob.token)).status).toBe(403);
    expect((await api.del(`/chat/${sessionId}/invites/${open.id}`, owner.token)).status).toBe(204);
    const revoked = await link(sessionId);
    expect((await api.del(`/chat/${sessionId}/invites/${revoked.id}`, owner.token)).status).toBe(
      204,
    );
    expect(await accept(revoked.token, dave)).toBe(404);
    const after = (await api.get(`/chat/${sessionId}/invites`, owner.token)).body.invites;
    expect(after.map((i: { id: string }) => i.id)).not.toContain(revoked.id);
  });

  it("tells the person added, live, who added them; removal too", async () => {
    const sessionId = await newSession("Live add");
    const socket = await connectClient(url, dave.token);
    sockets.push(socket);
    const added = once(socket, "membership", (n) => n.type === "added");
    const res = await api.post(
      `/chat/${sessionId}/members`,
      { username: "dave", role: "editor" },
      owner.token,
    );
    expect(res.status).toBe(201);
    expect(await added).toEqual({
      type: "added",
      session: { id: sessionId, title: "Live add" },
      role: "editor",
      by: { id: owner.user.id, username: "owner", fullName: "owner Tester" },
    });
    const removed = once(socket, "membership", (n) => n.type === "removed");
    await api.del(`/chat/${sessionId}/members/${dave.user.id}`, owner.token);
    expect((await removed).session.id).toBe(sessionId);
  });

  it("turns an add into a pending invitation for someone who asked to approve adds", async () => {
    const sessionId = await newSession("Consent");
    expect(
      (await api.patch("/auth/me", { consentRequired: true }, carol.token)).body,
    ).toMatchObject({ consentRequired: true });
    const socket = await connectClient(url, carol.token);
    sockets.push(socket);
    const invited = once(socket, "membership", (n) => n.type === "invited");
    const res = await api.post(
      `/chat/${sessionId}/members`,
      { username: "carol", role: "viewer" },
      owner.token,
    );
    expect(res.status).toBe(202);
    expect(await memberIds(sessionId)).not.toContain(carol.user.id);
    const notice = await invited;
    const pending = (await api.get("/invitations", carol.token)).body.invitations;
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      id: notice.type === "invited" ? notice.invitationId : "",
      session: { id: sessionId, title: "Consent" },
      invitedBy: { username: "owner" },
      role: "viewer",
    });
    // Someone else cannot answer it.
    expect(
      (await api.post(`/invitations/${pending[0].id}/accept`, undefined, bob.token)).status,
    ).toBe(404);
    const accepted = await api.post(`/invitations/${pending[0].id}/accept`, undefined, carol.token);
    expect(accepted.status).toBe(200);
    expect(accepted.body.session.role).toBe("viewer");
    expect(await memberIds(sessionId)).toContain(carol.user.id);

    const second = await newSession("Declined");
    await api.post(`/chat/${second}/members`, { username: "carol", role: "viewer" }, owner.token);
    const [again] = (await api.get("/invitations", carol.token)).body.invitations;
    expect(
      (await api.post(`/invitations/${again.id}/decline`, undefined, carol.token)).status,
    ).toBe(204);
    expect((await api.get("/invitations", carol.token)).body.invitations).toEqual([]);
    expect(await memberIds(second)).not.toContain(carol.user.id);
  });

  it("lets a person block another: their adds store nothing and look pending", async () => {
    const sessionId = await newSession("Blocked");
    expect((await api.post(`/users/${owner.user.id}/block`, undefined, bob.token)).status).toBe(
      204,
    );
    const res = await api.post(
      `/chat/${sessionId}/members`,
      { username: "bob", role: "editor" },
      owner.token,
    );
    expect(res.status).toBe(202);
    expect(await memberIds(sessionId)).toEqual([owner.user.id]);
    expect((await api.get("/invitations", bob.token)).body.invitations).toEqual([]);
    await api.del(`/users/${owner.user.id}/block`, bob.token);
    const unblocked = await api.post(
      `/chat/${sessionId}/members`,
      { username: "bob", role: "editor" },
      owner.token,
    );
    expect(unblocked.status).toBe(201);
  });

  it("answers an add by email the same whether or not the address is registered", async () => {
    const sessionId = await newSession("Emails");
    const known = await api.post(
      `/chat/${sessionId}/members`,
      { email: "dave@example.test", role: "viewer" },
      owner.token,
    );
    const unknown = await api.post(
      `/chat/${sessionId}/members`,
      { email: "nobody-at-all@example.test", role: "viewer" },
      owner.token,
    );
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.text).toBe(unknown.text);
    // The registered person got an invitation to accept; the unknown address, nothing.
    const pending = (await api.get("/invitations", dave.token)).body.invitations;
    expect(pending.map((i: { session: { id: string } }) => i.session.id)).toContain(sessionId);
  });
});
