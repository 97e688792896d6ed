import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type E2EApp, openChat, shot, startE2E, userPage, WAIT_MS } from "./harness";

const PASSWORD = "correct horse battery";

/**
 * Trust in the browser: being added (live toast, sidebar), pending invitations,
 * invite links, the account dialog (sign-ins, password, sign out everywhere, delete).
 */
describe("web app, trust between members", { timeout: 120_000 }, () => {
  let app: E2EApp;
  beforeAll(async () => {
    app = await startE2E();
  });
  afterAll(async () => {
    await app?.close();
  });

  it("tells a person they were added, live, and opens the session from the toast", async () => {
    const ann = await app.api.register("ann");
    const ben = await userPage(app, "ben");
    await ben.page.goto("/");
    await ben.page.waitForSelector("[data-testid=session-new]");
    const sessionId = (await app.api.post("/chat/sessions", { title: "Trip plans" }, ann.token))
      .body.id;
    const added = await app.api.post(
      `/chat/${sessionId}/members`,
      { username: "ben", role: "editor" },
      ann.token,
    );
    expect(added.status).toBe(201);
    const toast = await ben.page.waitForSelector("[data-testid=toast]");
    expect(await toast.textContent()).toContain("ann Tester added you to “Trip plans”");
    await ben.page.waitForSelector(`[data-testid=session-item][data-session-id="${sessionId}"]`);
    await shot(ben.page, "trust-added-toast");
    await ben.page.click("[data-testid=toast-action]");
    await ben.page.waitForURL(new RegExp(`/chat/${sessionId}$`));
    expect(ben.errors).toEqual([]);
    await ben.context.close();
  });

  it("lets a person leave at once, or leave and block whoever added them, from the toast", async () => {
    const mo = await app.api.register("moe");
    const eve = await userPage(app, "evi");
    await eve.page.goto("/");
    await eve.page.waitForSelector("[data-testid=session-new]");
    const addEve = async (title: string) => {
      const id = (await app.api.post("/chat/sessions", { title }, mo.token)).body.id as string;
      const res = await app.api.post(
        `/chat/${id}/members`,
        { username: "evi", role: "editor" },
        mo.token,
      );
      return { id, status: res.status };
    };
    const isMember = async (id: string) =>
      (
        (await app.api.get(`/chat/${id}/members`, mo.token)).body.members as {
          user: { id: string };
        }[]
      ).some((m) => m.user.id === eve.user.id);
    // Leave: gone from the sidebar and from the session.
    const first = await addEve("Spam one");
    expect(first.status).toBe(201);
    await eve.page.waitForSelector(`[data-testid=session-item][data-session-id="${first.id}"]`);
    await eve.page.waitForSelector("[data-testid=toast-leave]");
    await eve.page.click("[data-testid=toast-leave]");
    await eve.page.waitForSelector(`[data-testid=session-item][data-session-id="${first.id}"]`, {
      state: "detached",
    });
    expect(await isMember(first.id)).toBe(false);
    // Block: leaves, and mo's next add stores nothing (answered 202 as if pending).
    const second = await addEve("Spam two");
    await eve.page.waitForSelector(`[data-testid=session-item][data-session-id="${second.id}"]`);
    await eve.page.waitForSelector("[data-testid=toast-block]");
    await shot(eve.page, "trust-added-toast-leave-block");
    await eve.page.click("[data-testid=toast-block]");
    await eve.page.waitForSelector(`[data-testid=session-item][data-session-id="${second.id}"]`, {
      state: "detached",
    });
    expect(await isMember(second.id)).toBe(false);
    const toast = await eve.page.waitForSelector("[data-testid=toast]");
    expect(await toast.textContent()).toContain("blocked moe Tester");
    const third = await addEve("Spam three");
    expect(third.status).toBe(202);
    expect(await isMember(third.id)).toBe(false);
    expect(eve.errors).toEqual([]);
    await eve.context.close();
  });

  it("renews a dead access token with the refresh token, transparently, and rotates it", async () => {
    const { user } = await app.api.register("rene");
    const signed = await app.api.post("/auth/login", { login: "rene", password: PASSWORD });
    const spent = signed.body.refreshToken as string;
    const me = (await app.api.get("/auth/me", signed.body.accessToken)).body;
    const context = await app.browser.newContext({ baseURL: app.url });
    // An access token the server refuses (as an expired one is), and a live refresh token.
    await context.addInitScript(
      ([u, r]) => {
        if (!localStorage.getItem("engunity.auth")) {
          localStorage.setItem(
            "engunity.auth",
            JSON.stringify({ user: u, token: "x.y.z", refreshToken: r }),
          );
        }
      },
      [me, spent] as const,
    );
    const page = await context.newPage();
    await page.goto("/");
    await page.waitForSelector("[data-testid=session-new]");
    // The first calls are refused (401): the page renews once and retries, signed in still.
    await page.waitForFunction(() => {
      const raw = localStorage.getItem("engunity.auth");
      return raw !== null && JSON.parse(raw).token !== "x.y.z";
    });
    await page.waitForSelector("[data-testid=session-new]");
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("engunity.auth")!));
    expect(stored.user.id).toBe(user.id);
    expect(stored.token).not.toBe("x.y.z");
    expect(stored.refreshToken).not.toBe(spent);
    // The spent one is dead now; the page's is live.
    expect(
      (await app.api.post("/auth/refresh", { refreshToken: stored.refreshToken })).status,
    ).toBe(200);
    await context.close();
  });

  it("drops a draft edit the server refused and shows the server's copy, with a notice", async () => {
    const yan = await userPage(app, "yan");
    const sessionId = (await app.api.post("/chat/sessions", { title: "Big" }, yan.token)).body.id;
    await openChat(yan.page, sessionId);
    await yan.page.waitForSelector("[data-testid=composer][data-collab=shared]");
    await yan.page.click("[data-testid=composer]");
    await yan.page.keyboard.type("kept");
    // Past the draft limit (a paste past `maxlength`, or two co-authors at once): the
    // server refuses the update and tells this copy to resync.
    await yan.page.evaluate(() => {
      const box = document.querySelector("[data-testid=composer]") as HTMLTextAreaElement;
      box.value = `kept${"z".repeat(40_000)}`;
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
    const toast = await yan.page.waitForSelector("[data-testid=toast]");
    expect(await toast.textContent()).toContain("too large to share");
    await yan.page.waitForSelector("[data-testid=composer][data-collab=shared]");
    await yan.page.waitForFunction(
      () =>
        (document.querySelector("[data-testid=composer]") as HTMLTextAreaElement).value === "kept",
    );
    await shot(yan.page, "trust-yjs-resync");
    expect(yan.errors).toEqual([]);
    await yan.context.close();
  });

  it("shows a pending invitation to someone who approves adds, and accepts it", async () => {
    const owner = await app.api.register("olive");
    const cy = await userPage(app, "cyd");
    await cy.page.goto("/");
    await cy.page.click("[data-testid=account-open]");
    await cy.page.check("[data-testid=consent-toggle]");
    await cy.page.waitForFunction(async () => {
      const raw = JSON.parse(localStorage.getItem("engunity.auth")!);
      const me = await fetch("/api/v1/auth/me", {
        headers: { authorization: `Bearer ${raw.token}` },
      }).then((r) => r.json());
      return me.consentRequired === true;
    });
    await cy.page.click("[data-testid=account-close]");
    const sessionId = (await app.api.post("/chat/sessions", { title: "Budget" }, owner.token)).body
      .id;
    const res = await app.api.post(
      `/chat/${sessionId}/members`,
      { username: "cyd", role: "viewer" },
      owner.token,
    );
    expect(res.status).toBe(202);
    await cy.page.waitForSelector("[data-testid=invitation]");
    await shot(cy.page, "trust-pending-invitation");
    await cy.page.click("[data-testid=invitation-accept]");
    await cy.page.waitForURL(new RegExp(`/chat/${sessionId}$`));
    await cy.page.waitForSelector(`[data-testid=session-item][data-session-id="${sessionId}"]`);
    expect(await cy.page.locator("[data-testid=invitation]").count()).toBe(0);
    await cy.context.close();
  });

  it("lists invite links with their use limit and revokes one", async () => {
    const dee = await userPage(app, "dee");
    const sessionId = (await app.api.post("/chat/sessions", { title: "Links" }, dee.token)).body.id;
    await openChat(dee.page, sessionId);
    await dee.page.click("[data-testid=share]");
    await dee.page.selectOption("[data-testid=invite-uses]", "1");
    await dee.page.click("[data-testid=invite-create]");
    await dee.page.waitForSelector("[data-testid=invite-link-row]");
    await dee.page.selectOption("[data-testid=invite-uses]", "0");
    await dee.page.click("[data-testid=invite-create]");
    await dee.page.waitForFunction(
      () => document.querySelectorAll("[data-testid=invite-link-row]").length === 2,
    );
    expect(await dee.page.locator("[data-testid=invite-link-row]").first().textContent()).toMatch(
      /joined|used/,
    );
    await shot(dee.page, "trust-invite-links");
    await dee.page.locator("[data-testid=invite-revoke]").first().click();
    await dee.page.waitForFunction(
      () => document.querySelectorAll("[data-testid=invite-link-row]").length === 1,
    );
    const left = (await app.api.get(`/chat/${sessionId}/invites`, dee.token)).body.invites;
    expect(left).toHaveLength(1);
    await dee.context.close();
  });

  it("lists sign-ins, ends one, changes the password, signs out everywhere", async () => {
    const eve = await userPage(app, "eve");
    // A second sign-in elsewhere.
    const other = await app.api.request("POST", "/auth/login", {
      body: { login: "eve", password: PASSWORD },
      headers: {
        "user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1",
      },
    });
    const otherToken = other.body.accessToken as string;
    await eve.page.goto("/");
    await eve.page.click("[data-testid=account-open]");
    await eve.page.waitForFunction(
      () => document.querySelectorAll("[data-testid=signin-row]").length === 2,
    );
    await shot(eve.page, "trust-account-signins");
    await eve.page.click("[data-testid=signin-end]");
    await eve.page.waitForFunction(
      () => document.querySelectorAll("[data-testid=signin-row]").length === 1,
    );
    expect((await app.api.get("/auth/me", otherToken)).status).toBe(401);

    await eve.page.fill("[data-testid=password-form] input[name=current]", PASSWORD);
    await eve.page.fill("[data-testid=password-form] input[name=next]", "a whole new passphrase");
    await eve.page.click("[data-testid=password-form] button[type=submit]");
    await eve.page.waitForSelector("[data-testid=password-done]");
    await shot(eve.page, "trust-password-changed");

    const token = await eve.page.evaluate(
      () => JSON.parse(localStorage.getItem("engunity.auth")!).token as string,
    );
    await eve.page.click("[data-testid=sign-out-everywhere]");
    await eve.page.waitForURL(/\/login/, { timeout: WAIT_MS });
    expect((await app.api.get("/auth/me", token)).status).toBe(401);
    await eve.context.close();
  });

  it("signs out on the server, and deletes an account after the password", async () => {
    const fay = await userPage(app, "fay");
    await fay.page.goto("/");
    await fay.page.waitForSelector("[data-testid=sign-out]");
    await fay.page.click("[data-testid=sign-out]");
    await fay.page.waitForURL(/\/login/);
    expect((await app.api.get("/auth/me", fay.token)).status).toBe(401);
    await fay.context.close();

    const gus = await userPage(app, "gus");
    await gus.page.goto("/");
    await gus.page.click("[data-testid=account-open]");
    await gus.page.click("[data-testid=delete-account]");
    await gus.page.fill("[data-testid=delete-form] input[name=password]", PASSWORD);
    await shot(gus.page, "trust-delete-account");
    const answered = gus.page.waitForResponse(
      (r) => r.url().endsWith("/api/v1/auth/me") && r.request().method() === "DELETE",
    );
    await gus.page.click("[data-testid=delete-confirm]");
    expect((await answered).status()).toBe(204);
    await gus.page.waitForURL(/\/login/);
    const relogin = await app.api.request("POST", "/auth/login", {
      body: { login: "gus", password: PASSWORD },
    });
    expect(relogin.status).toBe(401);
    await gus.context.close();
  });
});
