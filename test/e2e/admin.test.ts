import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type E2EApp, openChat, shot, startE2E, userPage, WAIT_MS } from "./harness";

/**
 * The admin area in a real browser: the first account opens the dashboard, changes
 * the range, filters by model, exports a CSV and deactivates a user whose open
 * session is cut off; a non-admin gets the 404 page and 404 from every admin route.
 */
describe("admin dashboard", { timeout: 120_000 }, () => {
  let app: E2EApp;
  beforeAll(async () => {
    app = await startE2E();
  });
  afterAll(async () => {
    await app?.close();
  });

  it("works for the admin and cuts off a deactivated user", async () => {
    const admin = await userPage(app, "root"); // the first account: the admin
    const bob = await userPage(app, "bob");
    const sessionId = (await app.api.post("/chat/sessions", { title: "Bob's plans" }, bob.token))
      .body.id;
    await seedAnswers(app, bob.user.id, sessionId);

    await openChat(bob.page, sessionId);
    // Any member sees the session's token gauge.
    await bob.page.click("[data-testid=session-menu]");
    await bob.page.click("[data-testid=session-usage]");
    await bob.page.waitForSelector("[data-testid=usage-total]");
    expect(await bob.page.textContent("[data-testid=usage-total]")).toContain(
      "250 tokens in 2 answers",
    );
    await shot(bob.page, "session-usage");
    await bob.page.keyboard.press("Escape");

    const { page } = admin;
    await page.goto("/");
    await page.click("[data-testid=admin-link]");
    await page.waitForURL(/\/admin$/);
    await page.waitForSelector("[data-testid=analytics]");
    await page.waitForSelector("[data-testid=latency] tbody tr");
    await shot(page, "admin-light");

    const before = await page.getAttribute("[data-testid=analytics]", "data-range");
    await page.click("[data-testid=range-30d]");
    await page.waitForFunction(
      (b) => document.querySelector("[data-testid=analytics]")?.getAttribute("data-range") !== b,
      before,
      { timeout: WAIT_MS },
    );
    expect(await page.locator("[data-testid=latency] tbody tr").count()).toBe(2);

    await page.selectOption("[data-testid=filter-model]", "tiny-model");
    await page.waitForFunction(
      () => document.querySelectorAll("[data-testid=latency] tbody tr").length === 1,
      undefined,
      { timeout: WAIT_MS },
    );
    expect(await page.textContent("[data-testid=latency] tbody")).toContain("tiny-model");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click("[data-testid=by-model] [data-testid=csv]"),
    ]);
    expect(download.suggestedFilename()).toBe("tokens-by-model.csv");
    const csv = readFileSync((await download.path())!, "utf8");
    expect(csv.split("\r\n")[0]).toBe(
      "provider,model,answers,prompt tokens,completion tokens,cost USD",
    );
    expect(csv).toContain("local,tiny-model,1,40,10,");

    await page.evaluate(() => localStorage.setItem("engunity.theme", "dark"));
    await page.reload();
    await page.waitForSelector("[data-testid=latency] tbody tr");
    await shot(page, "admin-dark");
    await page.locator("[data-testid=by-model]").scrollIntoViewIfNeeded();
    await shot(page, "admin-dark-tables");

    await page.click("[data-testid=tab-users]");
    const row = page.locator("[data-testid=user-bob]");
    await row.locator("[data-testid=toggle-active]").click();
    await row.locator("text=deactivated").waitFor();
    await shot(page, "admin-users-dark");
    // Bob's open session is cut off: the socket is dropped, its reconnect refused, and
    // the app signs him out.
    await bob.page.waitForURL(/\/login/, { timeout: WAIT_MS });
    expect(admin.errors).toEqual([]);
    await admin.context.close();
    await bob.context.close();
  });

  it("shows a non-admin the 404 page, and every admin route answers 404", async () => {
    const carol = await userPage(app, "carol");
    await carol.page.goto("/");
    await carol.page.waitForSelector("[data-testid=session-new]");
    expect(await carol.page.locator("[data-testid=admin-link]").count()).toBe(0);
    await carol.page.goto("/admin");
    await carol.page.waitForSelector("[data-testid=admin-404]");
    expect(await carol.page.locator("[data-testid=analytics]").count()).toBe(0);
    for (const [method, path] of [
      ["GET", "/admin/users"],
      ["PATCH", `/admin/users/${carol.user.id}`],
      ["GET", "/admin/analytics"],
    ] as const) {
      const res = await app.api.request(method, path, {
        token: carol.token,
        body: method === "PATCH" ? { isSuperuser: true } : undefined,
      });
      expect(res.status, path).toBe(404);
    }
    await carol.context.close();
  });
});

/** Two answers Bob asked for, from two models, as the worker would have stored them. */
async function seedAnswers(app: E2EApp, bobId: string, sessionId: string): Promise<void> {
  const now = Date.now();
  const row = (i: number, provider: string, model: string, prompt: number, completion: number) => ({
    sessionId,
    authorId: null,
    role: "assistant" as const,
    content: `answer ${i}`,
    metadata: { provider, model },
    aiProvider: provider,
    aiModel: model,
    askerId: bobId,
    promptTokens: prompt,
    completionTokens: completion,
    ttftMs: 100 * (i + 1),
    durationMs: 900 * (i + 1),
    createdAt: new Date(now - (i + 1) * 3_600_000),
    updatedAt: new Date(now - (i + 1) * 3_600_000),
  });
  await app.node.ctx.db.models.ChatMessage.bulkCreate([
    {
      sessionId,
      authorId: bobId,
      role: "user",
      content: "plan?",
      metadata: {},
      createdAt: new Date(now - 7_200_000),
      updatedAt: new Date(now - 7_200_000),
    },
    row(0, "groq", "llama-3.3-70b-versatile", 120, 80),
    row(1, "local", "tiny-model", 40, 10),
  ]);
}
