import type { Frame, Page } from "playwright-core";
import { WAIT_MS } from "./harness";

/** The embed frame inside a host page (the launcher's shadow root is closed, frames are not). */
export async function embedFrame(page: Page, after?: Frame): Promise<Frame> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const frame = page
      .frames()
      .find((f) => f.url().includes("/embed?") && f !== after && !f.isDetached());
    if (frame) return frame;
    if (Date.now() > deadline)
      throw new Error(`no embed frame; frames: ${page.frames().map((f) => f.url())}`);
    // Polled: the frame may attach before its navigation gives it the /embed URL.
    await page.waitForEvent("framenavigated", { timeout: 200 }).catch(() => {});
  }
}

/** Clicks the launcher bubble where a visitor would: the bottom-right corner. */
export async function clickLauncher(page: Page): Promise<void> {
  const { width, height } = page.viewportSize()!;
  await page.mouse.click(width - 48, height - 48);
}
