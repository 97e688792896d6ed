import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultTokens, type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { type E2EApp, openChat, shot, startE2E, type UserPage, userPage, WAIT_MS } from "./harness";

const words = (n: number) => defaultTokens(n).join("").trim();

/**
 * Regenerate, continue and edit-and-resend in two browsers: whoever acts, both pages
 * watch the revised answer stream and end on the same text, and the version arrows
 * browse the earlier ones.
 */
describe("answer controls in the browser", { timeout: 90_000 }, () => {
  let app: E2EApp;
  let fake: FakeLlmServer;
  let a: UserPage;
  let b: UserPage;
  let sessionId: string;

  beforeAll(async () => {
    fake = await startFakeLlmServer({ tokens: defaultTokens(30), tokenIntervalMs: 5 });
    app = await startE2E({
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: fake.groqBaseUrl,
      GROQ_MODEL: "llama-test",
      // The same loopback server speaks OpenAI's protocol too: the fallback.
      OPENAI_BASE_URL: fake.openaiBaseUrl,
      OPENAI_MODEL: "fallback-test",
      AI_PROVIDER_ORDER: "groq,openai",
      AI_MAX_TOKENS: "6",
    });
    a = await userPage(app, "ada");
    b = await userPage(app, "bea");
    sessionId = (await app.api.post("/chat/sessions", { title: "Versions" }, a.token)).body.id;
    await app.api.post(`/chat/${sessionId}/members`, { username: "bea", role: "editor" }, a.token);
    await openChat(a.page, sessionId);
    await openChat(b.page, sessionId);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  /** Waits until the assistant message shows `text` (complete) and `label` as its version. */
  const answerShows = (page: Page, text: string, label: string) =>
    page.waitForFunction(
      ([t, l]) => {
        const el = document.querySelector(
          "[data-testid=message][data-role=assistant][data-status=complete]",
        );
        const content = el?.querySelector("[data-testid=message-content]")?.textContent?.trim();
        const version = el?.querySelector("[data-testid=version-label]")?.textContent ?? "";
        return content === t && version === l;
      },
      [text, label] as const,
      { timeout: WAIT_MS },
    );

  it("continue, regenerate and edit stream to both pages; versions stay browsable", async () => {
    // Groq fails this one: the fallback answers, and the message says so, quietly.
    fake.faults = [{ kind: "status", status: 500 }];
    await app.api.post("/chat/", { sessionId, content: "@ai count for us", ai: true }, a.token);
    await Promise.all([answerShows(a.page, words(6), ""), answerShows(b.page, words(6), "")]);
    for (const p of [a, b])
      expect(await p.page.textContent("[data-testid=routing-note]")).toBe("after Groq failed");
    await shot(b.page, "answer-routing-note");

    // Ada continues the answer that hit the token limit.
    await a.page.click("[data-testid=message][data-role=assistant] [data-testid=continue]");
    const twice = `${words(6)} ${words(6)}`;
    await Promise.all([answerShows(a.page, twice, "2/2"), answerShows(b.page, twice, "2/2")]);

    // Bea regenerates it; Ada browses back to the continued version.
    await b.page.click("[data-testid=message][data-role=assistant] [data-testid=regenerate]");
    await Promise.all([answerShows(a.page, words(6), "3/3"), answerShows(b.page, words(6), "3/3")]);
    await a.page.click(
      "[data-testid=message][data-role=assistant] [aria-label='Previous version']",
    );
    await a.page.waitForFunction(
      (t) =>
        document
          .querySelector("[data-testid=message][data-role=assistant] [data-testid=message-content]")
          ?.textContent?.trim() === t,
      twice,
      { timeout: WAIT_MS },
    );
    expect(
      await a.page.textContent(
        "[data-testid=message][data-role=assistant] [data-testid=version-label]",
      ),
    ).toBe("2/3");
    await a.page.click("[data-testid=message][data-role=assistant] [aria-label='Next version']");

    // Ada edits her question and resends; the answer is generated again for both.
    await a.page.click("[data-testid=message][data-role=user] [data-testid=edit]");
    await a.page.fill("[data-testid=edit-input]", "@ai count again, slowly");
    await a.page.click("[data-testid=edit-save]");
    await b.page.waitForFunction(
      () =>
        document
          .querySelector("[data-testid=message][data-role=user] [data-testid=message-content]")
          ?.textContent?.includes("count again, slowly"),
      undefined,
      { timeout: WAIT_MS },
    );
    await Promise.all([answerShows(a.page, words(6), "4/4"), answerShows(b.page, words(6), "4/4")]);
    expect(fake.completions.at(-1)?.body.messages?.at(-1)?.content).toMatch(
      /"text":"@ai count again, slowly"\}$/,
    );
    await a.page.hover("[data-testid=message][data-role=assistant]");
    await shot(a.page, "answer-controls");
  });
});
