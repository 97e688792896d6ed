import type { Frame, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoHost, startDemoHost } from "../../web/demo/hostServer";
import { type FakeLlmServer, startFakeLlmServer } from "../support/fakeLlmServer";
import { waitFor } from "../support/sockets";
import { clickLauncher, embedFrame } from "./embedFrame";
import {
  type E2EApp,
  shot,
  startE2E,
  type UserPage,
  userPage,
  WAIT_MS,
  watchErrors,
} from "./harness";

const ANSWER =
  "The **Team** plan includes:\n\n- unlimited dashboards\n- 10 seats\n- priority support\n\nWant me to compare it with Enterprise?";
const tokensOf = (text: string, size = 4) =>
  Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
    text.slice(i * size, (i + 1) * size),
  );

/** A raw websocket handshake to the Socket.IO endpoint from `page`'s origin. */
const handshakeFrom = (page: Page, engunityUrl: string) =>
  page.evaluate(
    (url) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(
          `${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`,
        );
        ws.onopen = () => {
          ws.close();
          resolve("open");
        };
        ws.onerror = () => resolve("refused");
      }),
    engunityUrl,
  );

/**
 * The widget in a real browser across origins: a host app on origin H (localhost)
 * embeds Engunity from origin E (127.0.0.1). A visitor asks the AI; Alice, in the
 * full app on E, watches the answer stream, switches the AI off and replies; the
 * visitor sees her join and her reply. The host page cannot read the panel; a page on
 * an origin the key does not allow cannot frame it or open a socket; revoking the key
 * ends the live widget. The model is a loopback server speaking Groq's protocol.
 */
describe("embedded widget", { timeout: 120_000 }, () => {
  let app: E2EApp;
  let fake: FakeLlmServer;
  let host: DemoHost;
  let stranger: DemoHost;
  let alice: UserPage;
  let secret = "";
  let keyId = "";
  let visitor: Page;
  let frame: Frame;

  beforeAll(async () => {
    fake = await startFakeLlmServer({ tokens: tokensOf(ANSWER), tokenIntervalMs: 60 });
    app = await startE2E({
      GROQ_API_KEY: "gsk_test",
      GROQ_BASE_URL: fake.groqBaseUrl,
      GROQ_MODEL: "llama-test",
      AI_PROVIDER_ORDER: "groq",
      // Short-lived tokens, so the widget refreshes one during the test.
      WIDGET_TOKEN_TTL_MINUTES: "1.1",
    });
    host = await startDemoHost({
      engunityUrl: app.url,
      widgetKey: () => secret,
      hostname: "localhost",
    });
    stranger = await startDemoHost({
      engunityUrl: app.url,
      widgetKey: () => secret,
      hostname: "localhost",
    });
    alice = await userPage(app, "alice");
    const created = await app.api.post(
      "/widget/keys",
      { teamName: "Acme", allowedOrigins: [host.url] },
      alice.token,
    );
    expect(created.status, created.text).toBe(201);
    secret = created.body.key;
    keyId = created.body.widgetKey.id;
  });
  afterAll(async () => {
    await app?.close();
    await fake?.close();
    await host?.close();
    await stranger?.close();
  });

  it("a visitor asks the AI; the team watches the answer stream, takes over and replies", async () => {
    const context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(WAIT_MS);
    visitor = await context.newPage();
    const errors = watchErrors(visitor);
    await visitor.goto(`${host.url}/?as=Vera`);
    frame = await embedFrame(visitor);
    await frame.waitForSelector("[data-testid=messages][data-joined=true]", { state: "attached" });
    await shot(visitor, "widget-launcher-closed");

    await clickLauncher(visitor);
    await frame.waitForSelector("[data-testid=composer]");

    // The team's inbox lists Vera's conversation under the key, with her page.
    await alice.page.goto("/widget");
    const row = await alice.page.waitForSelector("[data-testid=widget-session]:has-text('Vera')");
    expect(await row.textContent()).toContain(`${host.url}/?as=Vera`);
    await shot(alice.page, "widget-team-inbox");
    await alice.page.click(
      "[data-testid=widget-session]:has-text('Vera') [data-testid=widget-open]",
    );
    await alice.page.waitForSelector("[data-testid=messages][data-joined=true]");
    expect(await alice.page.textContent("[data-testid=visitor-strip]")).toContain("Vera");

    await frame.fill("[data-testid=composer]", "What does the Team plan include?");
    await frame.press("[data-testid=composer]", "Enter");

    // Both watch the same answer stream in, live.
    await alice.page.waitForSelector(
      "[data-testid=message][data-role=user]:has-text('Team plan include')",
    );
    const midStream = (p: Page | Frame) =>
      p.waitForFunction(() => {
        const el = document.querySelector(
          "[data-testid=message][data-role=assistant][data-status=streaming]",
        );
        return (el?.querySelector("[data-testid=message-content]")?.textContent?.length ?? 0) > 20;
      });
    await Promise.all([midStream(alice.page), midStream(frame)]);
    await Promise.all([
      shot(visitor, "widget-panel-streaming"),
      shot(alice.page, "widget-team-streaming"),
    ]);
    const done = "[data-testid=message][data-role=assistant][data-status=complete]";
    await Promise.all([frame.waitForSelector(done), alice.page.waitForSelector(done)]);
    const shown = await frame.textContent(`${done} [data-testid=message-content]`);
    expect(shown?.replace(/\s+/g, " ")).toContain("unlimited dashboards");
    expect(await frame.$(`${done} strong`)).not.toBeNull(); // Markdown rendered

    // Alice takes over: AI off, then her reply; Vera sees her join and the reply.
    await alice.page.check("[data-testid=ai-off]");
    await expect
      .poll(
        async () =>
          (await app.api.get(`/chat/${await sessionOfVera()}`, alice.token)).body.session.settings
            .aiMode,
      )
      .toBe("off");
    await frame.waitForSelector(
      "[data-testid=embed-notice]:has-text('alice Tester from Acme joined')",
    );
    await alice.page.fill("[data-testid=composer]", "Hi Vera, Alice here — happy to help.");
    await alice.page.press("[data-testid=composer]", "Enter");
    await frame.waitForSelector("[data-testid=message][data-role=user]:has-text('Alice here')");
    await shot(visitor, "widget-panel-team-reply");
    await shot(alice.page, "widget-team-view");
    const assistants = await app.node.ctx.db.models.ChatMessage.count({
      where: { sessionId: await sessionOfVera(), role: "assistant" },
    });
    expect(assistants).toBe(1);

    // Closed panel: a new reply raises the launcher's unread badge.
    await frame.click("[aria-label='Close chat']");
    await alice.page.fill("[data-testid=composer]", "Let me know if anything else comes up.");
    await alice.page.press("[data-testid=composer]", "Enter");
    await frame.waitForSelector("[data-testid=message]:has-text('anything else')", {
      state: "attached",
    });
    await shot(visitor, "widget-launcher-unread");

    // The host page's own scripts cannot reach into the panel.
    const reach = await visitor.evaluate(() => {
      const el = document.querySelector("engunity-widget");
      // The panel is in a closed shadow root: not in window.frames, and cross-origin anyway.
      let frameDoc = "unreachable";
      for (let i = 0; i < window.frames.length; i++) {
        try {
          void window.frames[i]!.document.body.innerHTML;
          frameDoc = "readable";
        } catch (e) {
          frameDoc = (e as Error).name;
        }
      }
      return {
        mounted: !!el,
        shadow: el?.shadowRoot ?? null,
        frameDoc,
        text: document.body.textContent,
      };
    });
    expect(reach).toMatchObject({ mounted: true, shadow: null, frameDoc: "unreachable" });
    expect(reach.text).not.toContain("Alice here");

    // The host re-renders like a SPA: the widget comes back, with the conversation.
    await visitor.click("#rerender");
    frame = await embedFrame(visitor, frame);
    await frame.waitForSelector("[data-testid=message]:has-text('Alice here')", {
      state: "attached",
    });
    // The page asks its backend again before the token expires: with a 66 s token the
    // refresh is due 6 s after the first one (WIDGET_TOKEN_TTL_MINUTES above).
    await waitFor(() => host.tokenRequests >= 2, "the token refresh before expiry", 20_000);
    expect(errors).toEqual([]);
  });

  it("an origin the key does not allow cannot frame /embed, and its handshake is refused", async () => {
    const context = await app.browser.newContext();
    const page = await context.newPage();
    const refusals: string[] = [];
    page.on("console", (m) => {
      if (/frame-ancestors/.test(m.text())) refusals.push(m.text());
    });
    await page.goto(`${stranger.url}/?as=Mallory`);
    // Its backend got a token (the key is valid server side), but the browser refuses the frame.
    await expect.poll(() => refusals.length, { timeout: WAIT_MS }).toBeGreaterThan(0);
    const framed = page.frames().find((f) => f.url().includes("/embed?"));
    expect(framed ? await framed.$("[data-testid=embed]").catch(() => null) : null).toBeNull();
    expect(await handshakeFrom(page, app.url)).toBe("refused");
    // From the allowed origin the same handshake goes through (to the token check).
    expect(await handshakeFrom(visitor, app.url)).toBe("open");
    await context.close();
  });

  it("fills a phone's screen", async () => {
    const context = await app.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await page.goto(`${host.url}/?as=Pia`);
    const phoneFrame = await embedFrame(page);
    await phoneFrame.waitForSelector("[data-testid=messages][data-joined=true]", {
      state: "attached",
    });
    await clickLauncher(page);
    await phoneFrame.waitForSelector("[data-testid=composer]");
    const size = await phoneFrame.evaluate(() => [innerWidth, innerHeight]);
    expect(size).toEqual([390, 844]);
    await shot(page, "widget-phone");
    await context.close();
  });

  it("revoking the key cuts the live widget off", async () => {
    const res = await app.api.post(`/widget/keys/${keyId}/revoke`, {}, alice.token);
    expect(res.status).toBe(200);
    await frame.waitForSelector("[data-testid=embed-ended]", { state: "attached" });
  });

  async function sessionOfVera(): Promise<string> {
    const v = await app.node.ctx.db.models.WidgetVisitor.findOne({
      where: { keyId, externalId: "acme-user-vera" },
    });
    return v!.sessionId!;
  }
});
