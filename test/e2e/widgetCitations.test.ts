import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoHost, startDemoHost } from "../../web/demo/hostServer";
import { uploadFile } from "../support/documents";
import { waitFor } from "../support/sockets";
import { clickLauncher, embedFrame } from "./embedFrame";
import { type E2EApp, startE2E, WAIT_MS, watchErrors } from "./harness";

/**
 * Citations inside the widget's panel: a key shares a document; the visitor's answer
 * (the offline provider, which cites what it retrieves) cites it, and clicking the
 * citation downloads the file through the widget route with the visitor's token.
 */
describe("widget citations", { timeout: 90_000 }, () => {
  let app: E2EApp;
  let host: DemoHost;
  let secret = "";
  const TEXT = "Refunds are paid within 14 days to the original card.\n";

  beforeAll(async () => {
    app = await startE2E();
    host = await startDemoHost({
      engunityUrl: app.url,
      widgetKey: () => secret,
      hostname: "localhost",
    });
    const { token } = await app.api.register("citeowner");
    const kb = (await app.api.post("/chat/sessions", { title: "kb" }, token)).body;
    const up = await uploadFile(app.url, token, kb.id, "refunds.md", TEXT, "text/markdown");
    expect(up.status).toBe(202);
    await waitFor(
      async () =>
        (await app.api.get(`/chat/${kb.id}/documents`, token)).body.documents[0]?.status ===
        "ready",
      "the document indexed",
      20_000,
    );
    const created = await app.api.post(
      "/widget/keys",
      {
        teamName: "Acme",
        allowedOrigins: [host.url],
        template: { title: "Help", aiMode: "every", documents: [up.body.id] },
      },
      token,
    );
    expect(created.status, created.text).toBe(201);
    secret = created.body.key;
  });
  afterAll(async () => {
    await app?.close();
    await host?.close();
  });

  it("a visitor opens the document an answer cites", async () => {
    const context = await app.browser.newContext({
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    context.setDefaultTimeout(WAIT_MS);
    const visitor = await context.newPage();
    const errors = watchErrors(visitor);
    await visitor.goto(`${host.url}/?as=Rita`);
    const frame = await embedFrame(visitor);
    await frame.waitForSelector("[data-testid=messages][data-joined=true]", { state: "attached" });
    await clickLauncher(visitor);
    await frame.fill("[data-testid=composer]", "How many days until refunds are paid?");
    await frame.press("[data-testid=composer]", "Enter");
    await frame.click(
      "[data-testid=message][data-role=assistant][data-status=complete] [data-testid=citations] summary",
    );
    const downloading = visitor.waitForEvent("download");
    await frame.click("[data-testid=citation] button[title^='Download refunds.md']");
    const file = await downloading;
    expect(file.suggestedFilename()).toBe("refunds.md");
    expect(await readFile((await file.path())!, "utf8")).toBe(TEXT);
    expect(errors).toEqual([]);
    await context.close();
  });
});
