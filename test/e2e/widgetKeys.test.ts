import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadFile } from "../support/documents";
import { waitFor } from "../support/sockets";
import { type E2EApp, shot, startE2E, userPage } from "./harness";

/**
 * Widget keys in the app (`/widget`): an owner creates a key with its origins, AI off,
 * a document to share and caps; sees the secret once with the backend's curl line and
 * the script tag; the list shows it; revoking asks first, then the key is dead.
 */
describe("widget keys page", { timeout: 90_000 }, () => {
  let app: E2EApp;
  beforeAll(async () => {
    app = await startE2E();
  });
  afterAll(async () => {
    await app?.close();
  });

  it("creates, lists, rotates and revokes a key with origins, caps, AI off and a shared document", async () => {
    const owner = await userPage(app, "keyowner");
    const kb = (await app.api.post("/chat/sessions", { title: "Handbook" }, owner.token)).body;
    const up = await uploadFile(app.url, owner.token, kb.id, "returns.md", "Returns: 45 days.\n");
    expect(up.status).toBe(202);
    await waitFor(
      async () =>
        (await app.api.get(`/chat/${kb.id}/documents`, owner.token)).body.documents[0]?.status ===
        "ready",
      "the document indexed",
      20_000,
    );
    const { page } = owner;
    await page.goto("/widget");
    await page.waitForSelector("[data-testid=widget-keys]");
    await page.click("[data-testid=widget-key-new]");
    await page.fill("[data-testid=widget-key-team]", "Acme");
    // A wildcard is refused with the contract's message, shown in the form.
    await page.fill("[data-testid=widget-key-origins]", "https://*.acme.test");
    await page.click("[data-testid=widget-key-create]");
    const error = await page.waitForSelector("[data-testid=widget-key-error]");
    expect(await error.textContent()).toMatch(/exact origin/);

    await page.fill(
      "[data-testid=widget-key-origins]",
      "https://app.acme.test\nhttps://docs.acme.test",
    );
    await page.uncheck("[data-testid=widget-key-ai]");
    await page.selectOption("[data-testid=widget-key-doc-source]", kb.id);
    await page.check("[data-testid=widget-key-doc]");
    await page.waitForSelector("[data-testid=widget-key-doc-count]:has-text('returns.md')");
    await shot(page, "widget-keys-new");
    await page.click("[data-testid=widget-key-create]");
    const secret = await page.waitForSelector("[data-testid=widget-key-secret]");
    const secretText = (await secret.textContent()) ?? "";
    expect(secretText).toMatch(/x-widget-key: ewk_[0-9a-f]{32}_/);
    await shot(page, "widget-keys-created");
    await page.click("[data-testid=widget-key-created] >> text=Done");

    const row = await page.waitForSelector("[data-testid=widget-key]");
    const text = (await row.textContent()) ?? "";
    expect(text).toContain("https://app.acme.test, https://docs.acme.test");
    expect(text).toContain("AI off");
    expect(text).toContain("1 document shared");
    const [key] = (await app.api.get("/widget/keys", owner.token)).body.keys;
    expect(key).toMatchObject({
      teamName: "Acme",
      mode: "perVisitor",
      template: { aiMode: "off", documents: [up.body.id] },
      caps: { sessionsPerDay: 200, messagesPerVisitorPerDay: 100, aiTokensPerDay: 200000 },
      revokedAt: null,
    });
    await shot(page, "widget-keys-list");

    // Rotating shows a new secret once; the old one stops working.
    const oldSecret = /ewk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}/.exec(secretText)![0];
    await page.click("[data-testid=widget-key-rotate]");
    await page.click("[data-testid=confirm-dialog] [data-testid=confirm]");
    const fresh = await page.waitForSelector("[data-testid=widget-key-created] >> text=New secret");
    expect(fresh).toBeTruthy();
    const newSecret = /ewk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}/.exec(
      (await page.textContent("[data-testid=widget-key-secret]")) ?? "",
    )![0];
    expect(newSecret).not.toBe(oldSecret);
    const trade = (k: string) =>
      app.api.request("POST", "/widget/tokens", {
        body: { visitor: { id: "u1" } },
        headers: { "x-widget-key": k },
      });
    expect((await trade(oldSecret)).status).toBe(401);
    expect((await trade(newSecret)).status).toBe(201);
    await page.click("[data-testid=widget-key-created] >> text=Done");

    await page.click("[data-testid=widget-key-revoke]");
    await page.click("[data-testid=confirm-dialog] [data-testid=confirm]");
    await page.waitForSelector("[data-testid=widget-key] .revoked-badge");
    const after = (await app.api.get("/widget/keys", owner.token)).body.keys[0];
    expect(after.revokedAt).not.toBeNull();
    expect(owner.errors).toEqual([]);
    await owner.context.close();
  });
});
