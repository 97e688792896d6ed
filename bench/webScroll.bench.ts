/**
 * Frame time scrolling a 5,000-message session in Debian's Chromium: the web app as
 * built (`web/dist`), served by an in-process node on SQLite. The whole history is
 * paged in the way a reader does (nearing the top), then the log is scrolled from the
 * oldest message down, 120 px a frame for 600 frames, each frame timed with
 * requestAnimationFrame. The app keeps a window of at most 300 messages in the DOM
 * (web/src/lib/messageWindow.ts) and slides it as the reader nears either end; the
 * bench also reports how many messages the DOM held.
 *
 *   npm run bench -- webScroll   or   npx tsx bench/webScroll.bench.ts [--messages=5000]
 *
 * Needs `npm run build -w web` first. Headless Chromium with --disable-gpu rasterises
 * on the CPU, so absolute numbers are pessimistic next to a desktop browser.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Page } from "playwright-core";
import { apiClient } from "../test/support/api";
import { launchBrowser } from "../test/support/browser";
import { createTestStack } from "../test/support/node";
import { parseArgs } from "./lib/fixtures";
import { writeResult } from "./lib/results";
import { percentile, printTable } from "./lib/stats";

const args = parseArgs();
const MESSAGES = Number(args.messages ?? 5000);
const STEP_PX = 120;
/** Frames timed per pass: 600 × 120 px crosses ~900 messages of the history. */
const FRAMES = Number(args.frames ?? 600);

if (!existsSync(resolve(import.meta.dirname, "../web/dist/index.html"))) {
  console.error("web/dist is missing: run `npm run build -w web` first");
  process.exit(1);
}

const BODIES = [
  "Short reply.",
  "A longer message that wraps over two lines on a laptop screen, with a **bold** word and `code`.",
  "Steps:\n\n1. one\n2. two\n3. three",
  "```ts\nconst total = items.reduce((n, i) => n + i.size, 0);\n```",
  "| a | b |\n|---|---|\n| 1 | 2 |",
];

// Passed to the page as source text: tsx's transform would wrap the inner functions
// in a `__name` helper the page does not have.
const scrollScript = (maxFrames: number) => `new Promise((done) => {
  const el = document.querySelector("[data-testid=messages]");
  el.scrollTop = 0;
  const frames = [];
  let last = 0;
  const tick = (now) => {
    frames.push(now - last);
    last = now;
    if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1 || frames.length > ${maxFrames}) done(frames.slice(2));
    else {
      el.scrollTop += ${STEP_PX};
      requestAnimationFrame(tick);
    }
  };
  requestAnimationFrame((now) => {
    last = now;
    requestAnimationFrame(tick);
  });
})`;

const scrollFrames = (page: Page, maxFrames: number) =>
  page.evaluate(scrollScript(maxFrames)) as Promise<number[]>;

const stack = await createTestStack("sqlite", { worker: false });
const browser = await launchBrowser();
try {
  const node = await stack.startNode();
  const api = apiClient(node.url);
  const { user, token } = await api.register("scroller");
  const me = (await api.get("/auth/me", token)).body;
  const sessionId = (await api.post("/chat/sessions", { title: "Long history" }, token)).body.id;
  const db = node.ctx.db;
  const start = Date.now() - MESSAGES * 60_000;
  await db.models.ChatMessage.bulkCreate(
    Array.from({ length: MESSAGES }, (_, i) => ({
      sessionId,
      authorId: i % 3 === 2 ? null : user.id,
      role: i % 3 === 2 ? ("assistant" as const) : ("user" as const),
      content: `#${i} ${BODIES[i % BODIES.length]}`,
      status: "complete" as const,
      clientId: null,
      metadata: {},
      createdAt: new Date(start + i * 60_000),
    })),
  );
  await db.models.ChatSession.update({ messageCount: MESSAGES }, { where: { id: sessionId } });

  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    baseURL: node.url,
  });
  await context.addInitScript(
    ([u, t]) => localStorage.setItem("engunity.auth", JSON.stringify({ user: u, token: t })),
    [me, token] as const,
  );
  const page = await context.newPage();
  await page.goto(`/chat/${sessionId}`);
  await page.waitForSelector("[data-testid=messages][data-joined=true]", { timeout: 60_000 });

  // Page the whole history in the way a reader does: by nearing the top, until the
  // oldest message is on screen.
  const loadStarted = Date.now();
  const firstShown = () =>
    page.$eval("[data-testid=message] [data-testid=message-content]", (e) => e.textContent ?? "");
  for (;;) {
    const first = await firstShown();
    if (first.startsWith("#0 ")) break;
    await page.$eval("[data-testid=messages]", (el) => {
      el.scrollTop = 0;
      el.dispatchEvent(new Event("scroll"));
    });
    await page.waitForFunction(
      (before) =>
        document.querySelector("[data-testid=message] [data-testid=message-content]")
          ?.textContent !== before,
      first,
      { timeout: 60_000 },
    );
  }
  const inDom = await page.$$eval("[data-testid=message]", (els) => els.length);
  const loadMs = Date.now() - loadStarted;
  console.log(`history paged in: ${(loadMs / 1000).toFixed(1)} s`);

  const runs: Record<string, string | number>[] = [];
  const results: Record<string, unknown> = {};
  for (const mode of ["windowed (300 in the DOM)"]) {
    await scrollFrames(page, 60); // warm-up: fonts, layout caches
    const frames = (await scrollFrames(page, FRAMES)).sort((a, b) => a - b);
    console.log(`${mode}: ${frames.length} frames`);
    const summary = {
      frames: frames.length,
      p50Ms: Math.round(percentile(frames, 50) * 10) / 10,
      p95Ms: Math.round(percentile(frames, 95) * 10) / 10,
      maxMs: Math.round((frames.at(-1) ?? 0) * 10) / 10,
      over50Ms: frames.filter((f) => f > 50).length,
    };
    results[mode] = summary;
    runs.push({ mode, ...summary });
  }
  printTable(
    `Scrolling ${MESSAGES} messages, ${STEP_PX} px per frame (Chromium, CPU raster)`,
    runs,
  );
  console.log(
    `\nhistory paged in (${MESSAGES} messages): ${(loadMs / 1000).toFixed(1)} s; ${inDom} in the DOM at once`,
  );
  const file = writeResult("webScroll", {
    messages: MESSAGES,
    stepPx: STEP_PX,
    historyLoadMs: loadMs,
    messagesInDom: inDom,
    ...results,
  });
  console.log(`wrote ${file}`);
  await context.close();
} finally {
  await browser.close();
  await stack.close();
}
