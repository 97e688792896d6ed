import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { type E2EApp, openChat, shot, startE2E, type UserPage, userPage, WAIT_MS } from "./harness";

const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i + 1} `);

/**
 * The keyboard in Debian's Chromium: Ctrl/⌘+K switches sessions, `?` lists the
 * shortcuts, Esc closes dialogs and stops one's own answer (and the stop says who
 * stopped it), ↑ in an empty composer edits one's last message in place (Esc cancels);
 * an answer resumed after a reload keeps its model label while it still streams.
 */
describe("keyboard shortcuts and answer labels", { timeout: 120_000 }, () => {
  let app: E2EApp;
  let fake: FakeLlmServer;
  let ana: UserPage;
  let bob: UserPage;
  let sessionId: string;
  let otherId: string;

  beforeAll(async () => {
    fake = await startFakeLlmServer({ tokens: words(400), tokenIntervalMs: 40 });
    app = await startE2E({
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: fake.groqBaseUrl,
      GROQ_MODEL: "llama-test",
      AI_PROVIDER_ORDER: "groq",
    });
    ana = await userPage(app, "ana");
    bob = await userPage(app, "bob");
    expect((await app.api.patch("/auth/me", { fullName: "Ana" }, ana.token)).status).toBe(200);
    sessionId = (await app.api.post("/chat/sessions", { title: "Roadmap" }, ana.token)).body.id;
    otherId = (await app.api.post("/chat/sessions", { title: "Quarterly budget" }, ana.token)).body
      .id;
    const added = await app.api.post(
      `/chat/${sessionId}/members`,
      { username: "bob", role: "editor" },
      ana.token,
    );
    expect(added.status).toBe(201);
    await openChat(ana.page, sessionId);
    await openChat(bob.page, sessionId);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  const composer = "[data-testid=composer]";
  const focusedTestId = (p: UserPage) =>
    p.page.evaluate(() => document.activeElement?.getAttribute("data-testid") ?? null);

  /** Ana asks the AI; resolves with the answer's id once it streams on both pages. */
  async function askAi(text: string): Promise<string> {
    if (!(await ana.page.isChecked("[data-testid=ask-ai]")))
      await ana.page.check("[data-testid=ask-ai]");
    await ana.page.fill(composer, text);
    await ana.page.press(composer, "Enter");
    const el = await ana.page.waitForSelector(
      "[data-testid=message][data-role=assistant][data-status=streaming]",
      { timeout: WAIT_MS },
    );
    const id = (await el.getAttribute("data-message-id"))!;
    await bob.page.waitForSelector(`[data-message-id="${id}"][data-status=streaming]`, {
      timeout: WAIT_MS,
    });
    return id;
  }

  it("Ctrl+K and ⌘+K open the session switcher; Enter goes there, Esc closes it", async () => {
    const p = ana.page;
    await p.click("[data-testid=messages]");
    await p.keyboard.press("Control+k");
    await p.waitForSelector("[data-testid=switcher]", { timeout: WAIT_MS });
    expect(await focusedTestId(ana)).toBe("switcher-input");
    await p.keyboard.type("budg");
    const items = await p.$$eval("[data-testid=switcher-item]", (els) =>
      els.map((e) => e.textContent),
    );
    expect(items).toEqual(["Quarterly budget"]);
    await shot(p, "shortcuts-switcher");
    await p.keyboard.press("Enter");
    await p.waitForURL(`**/chat/${otherId}`, { timeout: WAIT_MS });
    expect(await p.$("[data-testid=switcher]")).toBeNull();

    // ⌘+K works too, even from inside the composer; Esc closes and changes nothing.
    await p.waitForSelector(composer, { timeout: WAIT_MS });
    await p.focus(composer);
    await p.keyboard.press("Meta+k");
    await p.waitForSelector("[data-testid=switcher]", { timeout: WAIT_MS });
    await p.keyboard.press("Escape");
    await p.waitForSelector("[data-testid=switcher]", { state: "detached", timeout: WAIT_MS });
    expect(p.url()).toContain(`/chat/${otherId}`);
    await openChat(p, sessionId);
  });

  it("? lists the shortcuts (not while typing), Esc closes the list", async () => {
    const p = ana.page;
    await p.click("[data-testid=messages]");
    await p.keyboard.press("?");
    const dialog = await p.waitForSelector("[data-testid=shortcuts]", { timeout: WAIT_MS });
    const text = (await dialog.textContent()) ?? "";
    for (const k of ["Ctrl/⌘ K", "Esc", "↑ (empty box)", "Edit your last message"])
      expect(text).toContain(k);
    await shot(p, "shortcuts-help");
    await p.keyboard.press("Escape");
    await p.waitForSelector("[data-testid=shortcuts]", { state: "detached", timeout: WAIT_MS });
    // In the composer, ? is just a character.
    await p.focus(composer);
    await p.keyboard.type("why?");
    expect(await p.$("[data-testid=shortcuts]")).toBeNull();
    expect(await p.inputValue(composer)).toBe("why?");
    await p.fill(composer, "");
  });

  it("Esc in the composer stops one's own answer only; everyone sees who stopped it", async () => {
    fake.tokens = words(400);
    const id = await askAi("count slowly");
    // Bob's Esc does not stop Ana's answer.
    await bob.page.focus(composer);
    await bob.page.keyboard.press("Escape");
    await ana.page.waitForFunction(
      (mid) =>
        (document.querySelector(`[data-message-id="${mid}"] [data-testid=message-content]`)
          ?.textContent?.length ?? 0) > 20,
      id,
      { timeout: WAIT_MS },
    );
    expect(await ana.page.getAttribute(`[data-message-id="${id}"]`, "data-status")).toBe(
      "streaming",
    );

    await ana.page.focus(composer);
    await ana.page.keyboard.press("Escape");
    for (const [p, label] of [
      [ana, "stopped by you"],
      [bob, "stopped by Ana"],
    ] as const) {
      await p.page.waitForSelector(`[data-message-id="${id}"][data-status=stopped]`, {
        timeout: WAIT_MS,
      });
      expect(await p.page.textContent(`[data-message-id="${id}"] [data-testid=stopped-by]`)).toBe(
        label,
      );
    }
    await shot(bob.page, "stopped-by");
    // The answer's controls float over its corner on hover, taking no room.
    await ana.page.hover(`[data-message-id="${id}"]`);
    await shot(ana.page, "stopped-by-you-hover");
    const stored = (await app.api.get(`/chat/${sessionId}`, ana.token)).body.messages.find(
      (m: { id: string }) => m.id === id,
    );
    expect(stored.metadata.stoppedBy).toEqual({ id: ana.user.id, name: "Ana" });
  });

  it("keeps the model label on an answer resumed after a reload, while it streams", async () => {
    fake.tokens = words(400);
    const id = await askAi("count again");
    await bob.page.reload();
    await bob.page.waitForSelector("[data-testid=messages][data-joined=true]", {
      timeout: WAIT_MS,
    });
    // Still streaming after the reload, and labelled as for those who watched it start.
    const seen = await bob.page.waitForFunction(
      (mid) => {
        const el = document.querySelector(`[data-message-id="${mid}"]`);
        const label = el?.querySelector("[data-testid=message-model]")?.textContent;
        return el?.getAttribute("data-status") === "streaming" && label ? label : null;
      },
      id,
      { timeout: WAIT_MS },
    );
    expect(await seen.jsonValue()).toBe("groq · llama-test");
    expect(
      await ana.page.textContent(`[data-message-id="${id}"] [data-testid=message-model]`),
    ).toBe("groq · llama-test");
    // Esc stops one's answer from anywhere on the page, not only the composer.
    await ana.page.focus("[data-testid=messages]");
    await ana.page.keyboard.press("Escape");
    await bob.page.waitForSelector(`[data-message-id="${id}"][data-status=stopped]`, {
      timeout: WAIT_MS,
    });
  });

  it("↑ in an empty composer edits the last own message in place; Esc cancels, Enter resends", async () => {
    fake.tokens = ["Fine ", "answer."];
    fake.tokenIntervalMs = 5;
    const p = ana.page;
    await p.uncheck("[data-testid=ask-ai]");
    await p.fill(composer, "Ship on Friday");
    await p.press(composer, "Enter");
    const mine = await p.waitForSelector(
      "[data-testid=message][data-role=user][data-status=complete] >> text=Ship on Friday",
      { timeout: WAIT_MS },
    );
    const mineId = await mine.evaluate((e) =>
      e.closest("[data-message-id]")!.getAttribute("data-message-id"),
    );
    await bob.page.fill(composer, "Sounds good");
    await bob.page.press(composer, "Enter");
    await p.waitForSelector("[data-testid=message] >> text=Sounds good", { timeout: WAIT_MS });

    // ↑ with text in the box moves the caret, nothing else.
    await p.fill(composer, "draft");
    await p.press(composer, "ArrowUp");
    expect(await p.$("[data-testid=edit-input]")).toBeNull();
    await p.fill(composer, "");

    // ↑ in the empty box: Ana's last message (not Bob's newer one) opens for editing.
    await p.press(composer, "ArrowUp");
    const box = `[data-message-id="${mineId}"] [data-testid=edit-input]`;
    await p.waitForSelector(box, { timeout: WAIT_MS });
    await p.waitForFunction((sel) => document.activeElement === document.querySelector(sel), box, {
      timeout: WAIT_MS,
    });
    expect(await p.inputValue(box)).toBe("Ship on Friday");
    await shot(p, "edit-last-message");
    await p.emulateMedia({ colorScheme: "dark" });
    await shot(p, "edit-last-message-dark");
    await p.emulateMedia({ colorScheme: "light" });
    await p.setViewportSize({ width: 390, height: 780 });
    await shot(p, "edit-last-message-phone");
    await p.setViewportSize({ width: 1280, height: 800 });
    await p.focus(box);
    // Esc cancels: nothing changes, the composer has the focus again.
    await p.keyboard.type(" maybe");
    await p.keyboard.press("Escape");
    await p.waitForSelector(box, { state: "detached", timeout: WAIT_MS });
    expect(await focusedTestId(ana)).toBe("composer");
    expect(await p.inputValue(composer)).toBe("");
    expect(
      (await p.textContent(`[data-message-id="${mineId}"] [data-testid=message-content]`))?.trim(),
    ).toBe("Ship on Friday");

    // Again, and Enter saves and resends: both pages show the new version.
    await p.press(composer, "ArrowUp");
    await p.waitForSelector(box, { timeout: WAIT_MS });
    await p.fill(box, "Ship on Monday");
    await p.press(box, "Enter");
    for (const u of [ana, bob]) {
      await u.page.waitForFunction(
        (mid) =>
          document
            .querySelector(`[data-message-id="${mid}"] [data-testid=message-content]`)
            ?.textContent?.trim() === "Ship on Monday",
        mineId,
        { timeout: WAIT_MS },
      );
      expect(
        await u.page.textContent(`[data-message-id="${mineId}"] [data-testid=version-label]`),
      ).toBe("2/2");
    }
    const stored = (await app.api.get(`/chat/${sessionId}`, ana.token)).body.messages.find(
      (m: { id: string }) => m.id === mineId,
    );
    expect(stored.content).toBe("Ship on Monday");
    expect(ana.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });
});
