import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type E2EApp,
  openChat,
  shot,
  startE2E,
  userPage,
  WAIT_MS,
  waitForMessage,
  watchErrors,
} from "./harness";

/** One user in a real browser: sign-up, sessions, Markdown, themes, phone width. */
describe("web app, one user", { timeout: 90_000 }, () => {
  let app: E2EApp;
  beforeAll(async () => {
    app = await startE2E();
  });
  afterAll(async () => {
    await app?.close();
  });

  it("signs up through the form, creates a session, sends a message, renames and deletes", async () => {
    const context = await app.browser.newContext({
      viewport: { width: 1280, height: 800 },
      baseURL: app.url,
    });
    context.setDefaultTimeout(WAIT_MS);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto("/");
    // Signed out: the app sends us to /login.
    await page.waitForURL(/\/login/, { timeout: WAIT_MS });
    await page.waitForSelector("[data-testid=auth-submit]", { timeout: WAIT_MS });
    await shot(page, "sign-in");

    await page.click("[data-testid=auth-mode]");
    await page.fill("[data-testid=auth-username]", "ada");
    await page.fill("[data-testid=auth-email]", "ada@example.test");
    await page.fill("[data-testid=auth-password]", "correct horse battery");
    await page.click("[data-testid=auth-submit]");
    await page.waitForSelector("[data-testid=session-new]", { timeout: WAIT_MS });

    // The token is kept in storage and never appears in a URL.
    const stored = await page.evaluate(() => localStorage.getItem("engunity.auth"));
    expect(JSON.parse(stored!).token).toMatch(/^ey/);
    expect(page.url()).not.toContain(JSON.parse(stored!).token);

    // "New session" is an empty composer: nothing is stored until the first message.
    await page.click("[data-testid=session-new]");
    await page.waitForURL(/\/new$/, { timeout: WAIT_MS });
    await page.waitForSelector("[data-testid=new-session]", { timeout: WAIT_MS });
    const token = JSON.parse(stored!).token;
    expect((await app.api.get("/chat/", token)).body.sessions).toEqual([]);

    // Enter sends; Shift+Enter is a newline inside the same message. The AI switch
    // is off so this test does not depend on the AI.
    await page.uncheck("[data-testid=ask-ai]");
    await page.click("[data-testid=composer]");
    await page.keyboard.type("first line");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("second line");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/, { timeout: WAIT_MS });
    const sessionId = page.url().split("/").pop()!;
    await page.waitForSelector("[data-testid=messages][data-joined=true]", { timeout: WAIT_MS });
    await page.waitForSelector(`[data-testid=session-item][data-session-id="${sessionId}"]`, {
      timeout: WAIT_MS,
    });
    const id = await waitForMessage(page, "user", "complete");
    expect(await page.inputValue("[data-testid=composer]")).toBe("");
    // Titled after its first message.
    expect(await page.inputValue("[data-testid=session-title]")).toBe("first line");
    const stored2 = (await app.api.get(`/chat/${sessionId}`, JSON.parse(stored!).token)).body;
    expect(stored2.messages.map((m: any) => [m.id, m.content])).toEqual([
      [id, "first line\nsecond line"],
    ]);

    // Rename in place: the sidebar follows.
    await page.fill("[data-testid=session-title]", "Launch plan");
    await page.press("[data-testid=session-title]", "Enter");
    await page.waitForFunction(
      (sid) =>
        document
          .querySelector(`[data-testid=session-item][data-session-id="${sid}"]`)
          ?.textContent?.includes("Launch plan"),
      sessionId,
      { timeout: WAIT_MS },
    );

    // Export from the session menu: a Markdown file with the conversation (the token
    // goes in a header, not in a download URL).
    await page.click("[data-testid=session-menu]");
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: WAIT_MS }),
      page.click("[data-testid=export-md]"),
    ]);
    expect(download.suggestedFilename()).toBe("Launch_plan.md");
    const exported = await new Promise<string>((resolve, reject) => {
      void download.createReadStream().then((stream) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        stream.on("error", reject);
      }, reject);
    });
    expect(exported).toContain("first line\nsecond line");

    // Delete asks first, then the session is gone from the list.
    await page.click("[data-testid=session-menu]");
    await page.click("[data-testid=session-delete]");
    await page.waitForSelector("[data-testid=confirm-dialog]", { timeout: WAIT_MS });
    await page.click("[data-testid=confirm]");
    await page.waitForURL(/\/$/, { timeout: WAIT_MS });
    await page.waitForSelector(`[data-testid=session-item][data-session-id="${sessionId}"]`, {
      state: "detached",
      timeout: WAIT_MS,
    });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("renders Markdown (table, code with highlighting and copy), themes and phone width", async () => {
    const a = await userPage(app, "grace");
    const session = (await app.api.post("/chat/sessions", { title: "Quarterly numbers" }, a.token))
      .body;
    const markdown = [
      "Here is the summary you asked for:",
      "",
      "| Region | Q1 | Q2 |",
      "|---|---:|---:|",
      "| North | 120 | 135 |",
      "| South | 98 | 104 |",
      "",
      "- growth is **steady**",
      "- see `report.ts`",
      "",
      "```ts",
      "export function total(rows: number[]): number {",
      "  return rows.reduce((a, b) => a + b, 0);",
      "}",
      "```",
    ].join("\n");
    await openChat(a.page, session.id);
    await a.page.uncheck("[data-testid=ask-ai]");
    await a.page.fill("[data-testid=composer]", markdown);
    await a.page.click("[data-testid=send]");
    await waitForMessage(a.page, "user", "complete");
    // Highlighting is lazy-loaded; wait for it rather than assume.
    await a.page.waitForSelector("[data-testid=message-content] pre code.hljs .hljs-keyword", {
      timeout: WAIT_MS,
    });
    const shape = await a.page.$eval("[data-testid=message-content]", (el) => ({
      rows: el.querySelectorAll("table tbody tr").length,
      headers: [...el.querySelectorAll("th")].map((t) => t.textContent),
      bullets: el.querySelectorAll("ul li").length,
      copy: el.querySelectorAll("pre button.copy-code").length,
    }));
    expect(shape).toEqual({ rows: 2, headers: ["Region", "Q1", "Q2"], bullets: 2, copy: 1 });
    await shot(a.page, "chat-markdown");

    // Dark theme by the toggle, kept across a reload.
    await a.page.click("[data-testid=theme-toggle]");
    const theme = await a.page.evaluate(() => document.documentElement.dataset.theme);
    await a.page.reload();
    await a.page.waitForSelector("[data-testid=messages][data-joined=true]", { timeout: WAIT_MS });
    expect(await a.page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
    await a.page.waitForSelector("pre code.hljs", { timeout: WAIT_MS });
    await shot(a.page, `chat-markdown-${theme}`);

    // Phone width: the sidebar collapses behind a button, the chat fills the screen.
    const phone = await app.browser.newContext({
      viewport: { width: 390, height: 844 },
      baseURL: app.url,
    });
    phone.setDefaultTimeout(WAIT_MS);
    await phone.addInitScript(([s]) => localStorage.setItem("engunity.auth", s!), [
      await a.page.evaluate(() => localStorage.getItem("engunity.auth")),
    ] as const);
    const p = await phone.newPage();
    await openChat(p, session.id);
    await p.waitForSelector("pre code.hljs", { timeout: WAIT_MS });
    const layout = await p.evaluate(() => ({
      sidebarVisible: (() => {
        const r = document.querySelector(".sidebar")!.getBoundingClientRect();
        return r.right > 0;
      })(),
      overflowX: document.documentElement.scrollWidth > window.innerWidth,
      composerWidth: document.querySelector("[data-testid=composer]")!.getBoundingClientRect()
        .width,
    }));
    expect(layout.sidebarVisible).toBe(false);
    expect(layout.overflowX).toBe(false);
    expect(layout.composerWidth).toBeGreaterThan(300);
    await shot(p, "phone-chat");
    await p.click("[data-testid=share]");
    await p.waitForSelector("[data-testid=share-dialog]", { timeout: WAIT_MS });
    await shot(p, "phone-share-dialog");
    await p.keyboard.press("Escape");
    await p.waitForSelector("[data-testid=share-dialog]", { state: "detached", timeout: WAIT_MS });
    await p.click("[aria-label='Open sessions']");
    await p.waitForFunction(
      () => document.querySelector(".sidebar")!.getBoundingClientRect().left >= 0,
      null,
      {
        timeout: WAIT_MS,
      },
    );
    await shot(p, "phone-drawer");
    await p.goto("/");
    await p.waitForSelector(`[data-testid=session-item][data-session-id="${session.id}"]`, {
      timeout: WAIT_MS,
    });
    await shot(p, "phone-sessions");
    expect(a.errors).toEqual([]);
    await phone.close();
    await a.context.close();
  });
});
