import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/sockets";
import { type E2EApp, messageTexts, shot, startE2E, userPage, WAIT_MS } from "./harness";

/**
 * The first message of a new session, answered by the offline provider (no keys): the
 * answer comes back in milliseconds, while the chat page is still loading and joining
 * the room it navigated to. It must be shown, not left "Thinking" until a reload.
 */
describe("the first answer of a new session", { timeout: 120_000 }, () => {
  let app: E2EApp;

  beforeAll(async () => {
    app = await startE2E({ AI_PROVIDER_ORDER: "offline" });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("shows the answer to the first message, with nothing left thinking", async () => {
    for (let i = 0; i < 3; i++) {
      const u = await userPage(app, `first${i}`);
      await u.page.goto("/");
      await u.page.click("[data-testid=session-new]");
      await u.page.waitForSelector("[data-testid=new-session]", { timeout: WAIT_MS });
      await u.page.fill("[data-testid=composer]", `stuck test ${i}`);
      await u.page.press("[data-testid=composer]", "Enter");
      await u.page.waitForURL(/\/chat\/[0-9a-f-]{36}$/, { timeout: WAIT_MS });
      const sessionId = u.page.url().split("/").pop()!;
      // The server has the answer stored, complete.
      let stored = "";
      await waitFor(
        async () => {
          const { messages } = (await app.api.get(`/chat/${sessionId}`, u.token)).body as {
            messages: { role: string; status: string; content: string }[];
          };
          stored =
            messages.find((m) => m.role === "assistant" && m.status === "complete")?.content ?? "";
          return stored !== "";
        },
        "the answer stored complete",
        WAIT_MS,
      );
      expect(stored).not.toBe("");
      // And the page shows it, without a reload.
      await u.page
        .waitForSelector("[data-testid=message][data-role=assistant][data-status=complete]", {
          timeout: 5_000,
        })
        .catch(async (err) => {
          await shot(u.page, `first-answer-stuck-${i}`);
          throw err;
        });
      await u.page.waitForFunction(
        () => !document.querySelector("[data-testid=messages]")?.textContent?.includes("Thinking"),
        null,
        { timeout: 5_000 },
      );
      const shown = await messageTexts(u.page, "assistant");
      expect(shown.length).toBe(1);
      expect(shown[0]!.replace(/\s+/g, " ")).toContain(
        stored.trim().split("\n")[0]!.trim().slice(0, 30),
      );
      if (i === 0) await shot(u.page, "first-answer");
      expect(u.errors).toEqual([]);
      await u.context.close();
    }
  });
});
