import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePdf } from "../support/documents";
import {
  type E2EApp,
  openChat,
  shot,
  startE2E,
  type UserPage,
  userPage,
  WAIT_MS,
  waitForMessage,
} from "./harness";

/** Documents in the browser: upload with progress, failure with its reason, cited answers, delete. */
describe("documents in the web app", () => {
  let app: E2EApp;
  let a: UserPage;
  beforeAll(async () => {
    app = await startE2E();
    a = await userPage(app, "alice");
  });
  afterAll(async () => {
    await app?.close();
  });

  it("uploads, shows indexing and failure, answers with citations that open the passage, deletes", async () => {
    const sessionId = (await app.api.post("/chat/sessions", { title: "Handbook" }, a.token)).body
      .id;
    await openChat(a.page, sessionId);
    const pages = Array.from({ length: 120 }, (_, p) =>
      Array.from(
        { length: 25 },
        (_, l) => `Minutes ${p + 1}.${l + 1}: the board approved item ${p * 25 + l}.`,
      ),
    );
    await a.page.setInputFiles("[data-testid=upload-input]", [
      {
        name: "handbook.md",
        mimeType: "text/markdown",
        buffer: Buffer.from(
          "# Handbook\n\n## Holidays\n\nEveryone gets twenty-eight days of paid holiday a year, " +
            "plus public holidays.\n\n## Expenses\n\nReceipts are submitted within thirty days.\n",
        ),
      },
      {
        name: "scan.pdf",
        mimeType: "application/pdf",
        buffer: Buffer.from("<html><body>not a pdf</body></html>"),
      },
      {
        name: "board-minutes.pdf",
        mimeType: "application/pdf",
        buffer: Buffer.from(await makePdf(pages)),
      },
    ]);
    await a.page.waitForSelector("[data-testid=upload-row][data-phase=failed]", {
      timeout: WAIT_MS,
    });
    await a.page.waitForSelector("[data-testid=upload-row][data-phase=indexing]", {
      timeout: WAIT_MS,
    });
    expect(await a.page.textContent("[data-testid=upload-row][data-phase=failed]")).toMatch(
      /HTML, not a PDF/,
    );
    await shot(a.page, "documents-indexing");
    await a.page.waitForFunction(
      () => document.querySelectorAll("[data-testid=upload-row][data-phase=ready]").length === 2,
      undefined,
      { timeout: 60_000 },
    );

    await a.page.fill("[data-testid=composer]", "How many days of paid holiday do we get?");
    await a.page.press("[data-testid=composer]", "Enter");
    const id = await waitForMessage(a.page, "assistant", "complete");
    const answer = `[data-message-id="${id}"]`;
    await a.page.click(`${answer} .cite-ref[data-n="1"]`);
    const first = await a.page.waitForSelector(`${answer} [data-testid=citation][data-n="1"]`, {
      state: "visible",
    });
    expect(await first.textContent()).toMatch(/twenty-eight days of paid holiday/);
    expect(await first.textContent()).toMatch(/handbook\.md.*Handbook > Holidays/);
    await shot(a.page, "documents-citations");

    // Delete the handbook: its row goes.
    const row = a.page.locator("[data-testid=upload-row]", { hasText: "handbook.md" });
    await row.locator("[data-testid=upload-delete]").click();
    await row.waitFor({ state: "detached", timeout: WAIT_MS });
    expect(a.errors).toEqual([]);
  }, 120_000);
});
