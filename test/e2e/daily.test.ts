import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { type E2EApp, openChat, shot, startE2E, type UserPage, userPage, WAIT_MS } from "./harness";

/** A long Markdown answer (paragraphs, a table, code) streamed in small tokens. */
const ANSWER = Array.from(
  { length: 6 },
  (_, i) =>
    `### Part ${i + 1}\n\nA paragraph of the answer that wraps over a line or two on a normal screen.\n\n` +
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n```ts\nconst x = 1;\nconst y = 2;\n```\n\n",
).join("");
const TOKENS = Array.from({ length: Math.ceil(ANSWER.length / 12) }, (_, i) =>
  ANSWER.slice(i * 12, (i + 1) * 12),
);

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** axe-core injected into the page: the serious and critical violations, by rule. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the devtools protocol: the app's CSP (no inline script) stays on.
  await settled(page);
  await page.evaluate(axeSource);
  const res = await page.evaluate(async () => {
    const axe = (window as any).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v: { impact: string }) => v.impact === "serious" || v.impact === "critical")
      .map(
        (v: { id: string; nodes: { target: string[] }[] }) =>
          `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
      );
  });
  return res as string[];
}

/** Waits until CSS transitions (theme switch, drawer) have finished. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      document
        .getAnimations()
        .every(
          (a) => a.playState !== "running" || a.effect?.getComputedTiming().endTime === Infinity,
        ),
    null,
    { timeout: WAIT_MS },
  );
}

/** A screenshot once the page is still. */
async function still(page: Page, name: string): Promise<void> {
  await settled(page);
  await shot(page, name);
}

const draftOf = (p: UserPage) => p.page.inputValue("[data-testid=composer]");
const storedTexts = async (app: E2EApp, token: string, sessionId: string) =>
  (
    (await app.api.get(`/chat/${sessionId}?limit=200`, token)).body.messages as {
      role: string;
      content: string;
    }[]
  )
    .filter((m) => m.role === "user")
    .map((m) => m.content);

/**
 * The web app as a daily tool, in Debian's Chromium: nothing typed is lost (fast
 * typing with Enter mid-stream, IME, paste, two co-authors), follow mode, read state
 * on the server, search that jumps to the message, lazy sessions, axe-core.
 */
describe("the web app for daily use", { timeout: 120_000 }, () => {
  let app: E2EApp;
  let fake: FakeLlmServer;
  let a: UserPage;
  let b: UserPage;

  beforeAll(async () => {
    fake = await startFakeLlmServer({ tokens: TOKENS, tokenIntervalMs: 25 });
    app = await startE2E({
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: fake.groqBaseUrl,
      GROQ_MODEL: "llama-test",
      AI_PROVIDER_ORDER: "groq",
    });
    a = await userPage(app, "alice");
    b = await userPage(app, "bob");
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  /** A session of A's with B as editor, opened by both, the shared draft connected. */
  async function sharedSession(title: string): Promise<string> {
    const id = (await app.api.post("/chat/sessions", { title }, a.token)).body.id as string;
    await app.api.post(`/chat/${id}/members`, { username: "bob", role: "editor" }, a.token);
    return id;
  }
  const openShared = async (p: UserPage, id: string) => {
    await openChat(p.page, id);
    await p.page.waitForSelector("[data-testid=composer][data-collab=shared]", {
      timeout: WAIT_MS,
    });
  };

  describe("the composer never loses a keystroke", () => {
    let sessionId: string;
    beforeAll(async () => {
      sessionId = await sharedSession("Typing");
      await openShared(a, sessionId);
      await a.page.uncheck("[data-testid=ask-ai]");
    });

    for (const delay of [0, 30, 120]) {
      it(`types at ${delay} ms per key with Enter mid-stream`, async () => {
        const tag = `d${delay}`;
        const lines = [1, 2, 3].map((n) => `${tag} msg ${n}`);
        const before = (await storedTexts(app, a.token, sessionId)).length;
        await a.page.click("[data-testid=composer]");
        // Enter is pressed in the middle of the typing, never after a pause.
        await a.page.keyboard.type(`${lines.join("\n")}\n${tag} tail`, { delay });
        await a.page.waitForFunction(
          (n) =>
            document.querySelectorAll("[data-testid=message][data-role=user][data-status=complete]")
              .length >= n,
          before + lines.length,
          { timeout: WAIT_MS },
        );
        // What is typed after the last Enter stays in the box, whole.
        expect(await draftOf(a)).toBe(`${tag} tail`);
        expect((await storedTexts(app, a.token, sessionId)).slice(before)).toEqual(lines);
        await a.page.fill("[data-testid=composer]", "");
      });
    }

    it("keeps IME composition and pasted text", async () => {
      const cdp = await a.context.newCDPSession(a.page);
      await a.page.click("[data-testid=composer]");
      await cdp.send("Input.imeSetComposition", { text: "に", selectionStart: 1, selectionEnd: 1 });
      await cdp.send("Input.imeSetComposition", {
        text: "にほん",
        selectionStart: 3,
        selectionEnd: 3,
      });
      await cdp.send("Input.insertText", { text: "日本" });
      // A paste: one input event carrying many characters.
      await a.page.keyboard.insertText(" pasted: a long line of text");
      await a.page.keyboard.press("Enter");
      await a.page.keyboard.type("after", { delay: 0 });
      await a.page.waitForFunction(
        () =>
          [...document.querySelectorAll("[data-testid=message][data-status=complete]")].some((e) =>
            e.textContent?.includes("日本 pasted"),
          ),
        null,
        { timeout: WAIT_MS },
      );
      const texts = await storedTexts(app, a.token, sessionId);
      expect(texts.at(-1)).toBe("日本 pasted: a long line of text");
      expect(await draftOf(a)).toBe("after");
      await a.page.fill("[data-testid=composer]", "");
      await cdp.detach();
    });

    it("two co-authors: one sends while the other types; every key survives once", async () => {
      await openShared(b, sessionId);
      const bobKeys = "0123456789".repeat(4);
      await b.page.click("[data-testid=composer]");
      await a.page.click("[data-testid=composer]");
      const bobTyping = b.page.keyboard.type(bobKeys, { delay: 15 });
      // Alice waits until Bob's first keys reached her, then types and sends.
      await a.page.waitForFunction(
        () =>
          /\d{3}/.test(
            (document.querySelector("[data-testid=composer]") as HTMLTextAreaElement).value,
          ),
        null,
        { timeout: WAIT_MS },
      );
      await a.page.keyboard.type("hello team", { delay: 5 });
      await a.page.keyboard.press("Enter");
      await bobTyping;
      const sent = await a.page
        .waitForFunction(
          () => {
            const els = [
              ...document.querySelectorAll("[data-testid=message][data-status=complete]"),
            ];
            const t = els.at(-1)?.querySelector("[data-testid=message-content]")?.textContent;
            return t?.includes("hello") ? t.trim() : null;
          },
          null,
          { timeout: WAIT_MS },
        )
        .then((h) => h.jsonValue() as Promise<string>);
      // Both copies of the draft converge on what was typed after the send.
      await b.page.waitForFunction(
        () =>
          !/[a-z]/.test(
            (document.querySelector("[data-testid=composer]") as HTMLTextAreaElement).value,
          ),
        null,
        { timeout: WAIT_MS },
      );
      await a.page.waitForFunction(
        (bobDraft) =>
          (document.querySelector("[data-testid=composer]") as HTMLTextAreaElement).value ===
          bobDraft,
        await draftOf(b),
        { timeout: WAIT_MS },
      );
      const rest = await draftOf(b);
      const digits = (s: string) => s.replace(/\D/g, "");
      const letters = (s: string) => s.replace(/[^a-z]/g, "");
      // Bob's keys: a prefix went with Alice's message, the rest is still in the box.
      expect(digits(sent) + digits(rest)).toBe(bobKeys);
      expect(letters(sent)).toBe("helloteam");
      expect(letters(rest)).toBe("");
      // A caret's label does not linger once the draft is empty.
      await b.page.fill("[data-testid=composer]", "");
      await a.page.waitForFunction(
        () => !document.querySelector("[data-testid=remote-cursor]"),
        null,
        { timeout: WAIT_MS },
      );
    });
  });

  describe("follow mode", () => {
    let sessionId: string;
    beforeAll(async () => {
      sessionId = await sharedSession("Follow");
      for (let i = 0; i < 25; i++) {
        await app.api.post(
          "/chat/",
          { sessionId, content: `Earlier message ${i}\n\nwith a second paragraph`, ai: false },
          a.token,
        );
      }
      await openChat(a.page, sessionId);
      await openChat(b.page, sessionId);
    });
    const behind = (p: UserPage) =>
      p.page.$eval(
        "[data-testid=messages]",
        (el) => el.scrollHeight - el.scrollTop - el.clientHeight,
      );

    it("keeps a viewer at the bottom pinned while an answer streams in", async () => {
      await a.page.fill("[data-testid=composer]", "@ai write the long plan");
      await a.page.press("[data-testid=composer]", "Enter");
      await b.page.waitForSelector(
        "[data-testid=message][data-role=assistant][data-status=streaming]",
        {
          timeout: WAIT_MS,
        },
      );
      // Sampled in the page on every frame while the answer streams.
      const worst = await b.page.evaluate(
        () =>
          new Promise<number>((resolve) => {
            const el = document.querySelector("[data-testid=messages]") as HTMLElement;
            let max = 0;
            const tick = () => {
              max = Math.max(max, el.scrollHeight - el.scrollTop - el.clientHeight);
              if (document.querySelector("[data-role=assistant][data-status=streaming]"))
                requestAnimationFrame(tick);
              else
                setTimeout(
                  () => resolve(Math.max(max, el.scrollHeight - el.scrollTop - el.clientHeight)),
                  300,
                );
            };
            requestAnimationFrame(tick);
          }),
      );
      expect(worst).toBeLessThan(80);
      expect(await behind(b)).toBeLessThan(4);
    });

    it("leaves a reader who scrolled up in place, with a pill; no jump at finish", async () => {
      await b.page.$eval("[data-testid=messages]", (el) => {
        el.scrollTop = el.scrollHeight / 3;
      });
      await b.page.waitForSelector("[data-testid=messages][data-pinned=false]", {
        timeout: WAIT_MS,
      });
      const anchor = () =>
        b.page.evaluate(() => {
          const box = document.querySelector("[data-testid=messages]")!.getBoundingClientRect();
          const el = [...document.querySelectorAll("[data-testid=message]")].find(
            (m) => m.getBoundingClientRect().top >= box.top,
          )!;
          return { id: el.getAttribute("data-message-id"), top: el.getBoundingClientRect().top };
        });
      const before = await anchor();
      await a.page.fill("[data-testid=composer]", "@ai again please");
      await a.page.press("[data-testid=composer]", "Enter");
      await b.page.waitForSelector("[data-testid=follow-pill]", { timeout: WAIT_MS });
      await b.page.waitForFunction(
        () =>
          !document.querySelector("[data-role=assistant][data-status=streaming]") &&
          document.querySelectorAll("[data-role=assistant][data-status=complete]").length === 2,
        null,
        { timeout: WAIT_MS },
      );
      const after = await anchor();
      expect(after.id).toBe(before.id);
      expect(Math.abs(after.top - before.top)).toBeLessThan(2);
      expect(await b.page.textContent("[data-testid=follow-pill]")).toMatch(/new messages? ↓/);
      for (const [name, opts] of [
        ["light", { colorScheme: "light" as const }],
        ["dark", { colorScheme: "dark" as const }],
      ] as const) {
        await b.page.emulateMedia(opts);
        await still(b.page, `follow-pill-${name}`);
      }
      await b.page.setViewportSize({ width: 390, height: 780 });
      await still(b.page, "follow-pill-phone");
      await b.page.setViewportSize({ width: 1280, height: 800 });
      await b.page.emulateMedia({ colorScheme: "light" });
      await b.page.click("[data-testid=follow-pill]");
      await b.page.waitForSelector("[data-testid=follow-pill]", {
        state: "detached",
        timeout: WAIT_MS,
      });
      expect(await behind(b)).toBeLessThan(4);
      // Grouped messages: consecutive ones of one person share one header.
      expect(
        await b.page.$$eval("[data-testid=message][data-grouped=true]", (e) => e.length),
      ).toBeGreaterThan(10);
      await b.page.$eval("[data-testid=messages]", (el) => {
        el.scrollTop = 0;
      });
      await still(b.page, "grouped-messages-light");
      await b.page.emulateMedia({ colorScheme: "dark" });
      await still(b.page, "grouped-messages-dark");
      await b.page.emulateMedia({ colorScheme: "light" });
    });

    it("has no serious or critical axe-core violations in the chat", async () => {
      expect(await axeViolations(b.page)).toEqual([]);
      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
    });
  });

  describe("read state on the server", () => {
    it("counts unread live on the user channel, equal on a second device and after reload", async () => {
      const sessionId = await sharedSession("Unread");
      await b.page.goto("/");
      const item = `[data-testid=session-item][data-session-id="${sessionId}"]`;
      await b.page.waitForSelector(item, { timeout: WAIT_MS });
      const device2 = await app.browser.newContext({
        baseURL: app.url,
        viewport: { width: 1280, height: 800 },
      });
      await device2.addInitScript(
        ([auth]) => localStorage.setItem("engunity.auth", auth as string),
        [await b.page.evaluate(() => localStorage.getItem("engunity.auth"))] as const,
      );
      const d2 = await device2.newPage();
      await d2.goto("/");
      await d2.waitForSelector(item, { timeout: WAIT_MS });
      for (const n of [1, 2, 3]) {
        await app.api.post("/chat/", { sessionId, content: `unread ${n}`, ai: false }, a.token);
      }
      // Live, without a reload, on both devices (the count reaches 3 on each: waiting for
      // any count read a device still at 2).
      const reaches3 = (p: Page) =>
        p.waitForFunction(
          (sel) =>
            document
              .querySelector(`${sel} [data-testid=unread-count]`)
              ?.textContent?.replace(/\D/g, "") === "3",
          item,
          { timeout: WAIT_MS },
        );
      await reaches3(b.page);
      await reaches3(d2);
      // Reading on one device clears it on the other, live, and after reloads.
      await b.page.click(item);
      await b.page.waitForSelector("[data-testid=messages][data-joined=true]", {
        timeout: WAIT_MS,
      });
      await d2.waitForSelector(`${item} [data-testid=unread-count]`, {
        state: "detached",
        timeout: WAIT_MS,
      });
      await d2.reload();
      await d2.waitForSelector(item, { timeout: WAIT_MS });
      expect(await d2.$(`${item} [data-testid=unread-count]`)).toBeNull();
      // A message arriving while B reads at the bottom is read too: still 0 after a reload.
      await app.api.post("/chat/", { sessionId, content: "seen live", ai: false }, a.token);
      await b.page.waitForFunction(
        () => document.querySelector("[data-testid=messages]")?.textContent?.includes("seen live"),
        null,
        { timeout: WAIT_MS },
      );
      await d2.waitForFunction(
        async (sid) => {
          const auth = JSON.parse(localStorage.getItem("engunity.auth")!);
          const r = await fetch("/api/v1/chat/", {
            headers: { authorization: `Bearer ${auth.token}` },
          });
          const s = (await r.json()).sessions.find((x: { id: string }) => x.id === sid);
          return s.unreadCount === 0;
        },
        sessionId,
        { timeout: WAIT_MS, polling: 200 },
      );
      // Mark all read.
      const other = await sharedSession("Unread two");
      await app.api.post("/chat/", { sessionId: other, content: "more", ai: false }, a.token);
      await d2.waitForSelector("[data-testid=mark-all-read]", { timeout: WAIT_MS });
      await d2.click("[data-testid=mark-all-read]");
      await d2.waitForSelector("[data-testid=unread-count]", {
        state: "detached",
        timeout: WAIT_MS,
      });
      const listed = (await app.api.get("/chat/", b.token)).body.sessions as {
        unreadCount: number;
      }[];
      expect(listed.every((s) => s.unreadCount === 0)).toBe(true);
      await device2.close();
    });
  });

  describe("search that finds", () => {
    it("shows highlighted snippets as one types; a hit opens the message in context", async () => {
      const sessionId = await sharedSession("Sensors");
      await app.api.post(
        "/chat/",
        {
          sessionId,
          content: "Calibrated the w150 probe in the north hall before lunch",
          ai: false,
        },
        a.token,
      );
      // Enough newer messages that the hit is far beyond the first page.
      for (let i = 0; i < 52; i++) {
        await app.api.post(
          "/chat/",
          { sessionId, content: `routine reading ${i}`, ai: false },
          a.token,
        );
      }
      await b.page.goto("/");
      await b.page.click("[data-testid=session-search]");
      await b.page.keyboard.type("w15", { delay: 40 });
      const hit = await b.page.waitForSelector("[data-testid=search-hit]", { timeout: WAIT_MS });
      expect(await hit.$eval("mark", (m) => m.textContent)).toBe("w150");
      for (const scheme of ["light", "dark"] as const) {
        await b.page.emulateMedia({ colorScheme: scheme });
        await still(b.page, `search-highlight-${scheme}`);
      }
      await b.page.emulateMedia({ colorScheme: "light" });
      const messageId = await hit.getAttribute("data-message-id");
      await hit.click();
      const target = `[data-testid=message][data-message-id="${messageId}"][data-highlighted=true]`;
      await b.page.waitForSelector(target, { timeout: WAIT_MS });
      const inView = await b.page.$eval(target, (el) => {
        const r = el.getBoundingClientRect();
        return r.top >= 0 && r.bottom <= window.innerHeight;
      });
      expect(inView).toBe(true);
      // Inside the session: the search button.
      await b.page.click("[data-testid=session-search-open]");
      await b.page.fill("[data-testid=session-search-input]", "reading 6");
      const inner = await b.page.waitForSelector("[data-testid=session-search-hit]", {
        timeout: WAIT_MS,
      });
      expect(await inner.$eval("mark", (m) => m.textContent)).toBe("reading");
      await b.page.setViewportSize({ width: 390, height: 780 });
      await still(b.page, "search-in-session-phone");
      await b.page.setViewportSize({ width: 1280, height: 800 });
      await inner.click();
      await b.page.waitForSelector("[data-testid=message][data-highlighted=true]", {
        timeout: WAIT_MS,
      });
    });
  });

  describe("lazy sessions and landing pages", () => {
    it("stores nothing for New session until the first message", async () => {
      const c = await userPage(app, "carol");
      await c.page.goto("/");
      for (let i = 0; i < 3; i++) {
        await c.page.click("[data-testid=session-new]");
        await c.page.waitForSelector("[data-testid=new-session]", { timeout: WAIT_MS });
        await c.page.goto("/");
      }
      expect((await app.api.get("/chat/", c.token)).body.sessions).toEqual([]);
      await c.page.click("[data-testid=session-new]");
      await c.page.uncheck("[data-testid=ask-ai]");
      await c.page.fill("[data-testid=composer]", "Kick-off notes");
      await c.page.press("[data-testid=composer]", "Enter");
      await c.page.waitForURL(/\/chat\/[0-9a-f-]{36}$/, { timeout: WAIT_MS });
      await c.page.waitForSelector("[data-testid=message][data-status=complete]", {
        timeout: WAIT_MS,
      });
      const sessions = (await app.api.get("/chat/", c.token)).body.sessions as { title: string }[];
      expect(sessions.map((s) => s.title)).toEqual(["Kick-off notes"]);
      // Signed in, /login goes where the user was going instead of showing the form.
      await c.page.goto("/login");
      await c.page.waitForURL(/\/$/, { timeout: WAIT_MS });
      await c.context.close();
    });

    it("says an invite is waiting when the link is opened signed out", async () => {
      const sessionId = await sharedSession("Invite landing");
      const link = (await app.api.post(`/chat/${sessionId}/invites`, { role: "editor" }, a.token))
        .body.url as string;
      const ctx = await app.browser.newContext({ baseURL: app.url });
      const page = await ctx.newPage();
      await page.goto(new URL(link).pathname);
      await page.waitForSelector("[data-testid=invite-notice]", { timeout: WAIT_MS });
      expect(await page.textContent("h1")).toMatch(/join/i);
      for (const scheme of ["light", "dark"] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await still(page, `invite-landing-${scheme}`);
      }
      await page.setViewportSize({ width: 390, height: 780 });
      await still(page, "invite-landing-phone");
      expect(await axeViolations(page)).toEqual([]);
      await ctx.close();
    });
  });
});
