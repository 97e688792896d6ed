import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { RealtimeNode } from "@engunity/realtime";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type ApiClient, apiClient } from "../support/api";
import { launchBrowser } from "../support/browser";
import { createTestStack, type TestStack } from "../support/node";

/** Where the e2e run leaves its screenshots (gitignored). */
export const SCREENSHOTS = resolve(import.meta.dirname, "../../test-results/screenshots");
const WEB_INDEX = resolve(import.meta.dirname, "../../web/dist/index.html");

/** How long any single browser wait may take before the test fails. */
export const WAIT_MS = 20_000;

export interface E2EApp {
  stack: TestStack;
  node: RealtimeNode;
  url: string;
  api: ApiClient;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A realtime node in-process on SQLite (port 0) serving the built web app, plus
 * Debian's Chromium. The app must be built first (`npm test` does it).
 */
export async function startE2E(env: Record<string, string> = {}): Promise<E2EApp> {
  if (!existsSync(WEB_INDEX)) {
    throw new Error("web/dist is missing: run `npm run build -w web` (npm test builds it first)");
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  const stack = await createTestStack("sqlite");
  const node = await stack.startNode(env);
  const browser = await launchBrowser().catch(async (err) => {
    await stack.close();
    throw err;
  });
  return {
    stack,
    node,
    url: node.url,
    api: apiClient(node.url),
    browser,
    async close() {
      await browser.close().catch(() => {});
      await stack.close();
    },
  };
}

export interface UserPage {
  user: { id: string; username: string };
  token: string;
  context: BrowserContext;
  page: Page;
  /** Browser-side failures collected for the test to assert on. */
  errors: string[];
}

/**
 * A browser context signed in as a fresh user: registered over REST, token put in
 * localStorage before any page script runs (the same place the app keeps it).
 */
export async function userPage(
  app: E2EApp,
  username: string,
  viewport = { width: 1280, height: 800 },
): Promise<UserPage> {
  const { user, token } = await app.api.register(username);
  const me = (await app.api.get("/auth/me", token)).body;
  const context = await app.browser.newContext({ viewport, baseURL: app.url });
  await context.addInitScript(
    ([u, t]) => {
      if (!localStorage.getItem("engunity.auth")) {
        localStorage.setItem("engunity.auth", JSON.stringify({ user: u, token: t }));
      }
    },
    [me, token] as const,
  );
  // Every playwright action (click, fill) gets the same bound as the explicit waits.
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const errors = watchErrors(page);
  return { user, token, context, page, errors };
}

/** Collects page errors and CSP violations (console) so a test can assert none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) {
      errors.push(`csp: ${m.text()}`);
    }
  });
  return errors;
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });

/** The `message` elements' text content by role, as the user sees them. */
export function messageTexts(page: Page, role?: string): Promise<string[]> {
  const sel = role ? `[data-testid=message][data-role=${role}]` : "[data-testid=message]";
  return page.$$eval(sel, (els) =>
    els.map((e) => e.querySelector("[data-testid=message-content]")?.textContent?.trim() ?? ""),
  );
}

/** Waits until some message of `role` has `status`, and returns its id. */
export async function waitForMessage(page: Page, role: string, status: string): Promise<string> {
  const el = await page.waitForSelector(
    `[data-testid=message][data-role=${role}][data-status=${status}]`,
    {
      timeout: WAIT_MS,
    },
  );
  return (await el.getAttribute("data-message-id"))!;
}

/** Opens a session and waits until the live connection has joined it. */
export async function openChat(page: Page, sessionId: string): Promise<void> {
  await page.goto(`/chat/${sessionId}`);
  await page.waitForSelector("[data-testid=session-title]", { timeout: WAIT_MS });
  await page.waitForSelector("[data-testid=messages][data-joined=true]", { timeout: WAIT_MS });
}
