import type { WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../support/sockets";
import {
  type E2EApp,
  messageTexts,
  shot,
  startE2E,
  type UserPage,
  userPage,
  WAIT_MS,
} from "./harness";

/**
 * Two browser contexts as two users on one node: invite link, live messages both
 * ways, presence and typing, role change to viewer, and sends queued while offline.
 */
describe("web app, two users", { timeout: 90_000 }, () => {
  let app: E2EApp;
  let a: UserPage;
  let b: UserPage;
  let sessionId: string;

  beforeAll(async () => {
    app = await startE2E();
    a = await userPage(app, "alice");
    b = await userPage(app, "bob");
  });
  afterAll(async () => {
    await app?.close();
  });

  const waitText = (p: UserPage, text: string) =>
    p.page
      .waitForFunction(
        (t) =>
          [
            ...document.querySelectorAll(
              "[data-testid=message][data-status=complete] [data-testid=message-content]",
            ),
          ].some((e) => e.textContent?.trim() === t),
        text,
        { timeout: WAIT_MS },
      )
      .catch(async (err) => {
        await shot(p.page, `failed-wait-${p.user.username}`);
        throw err;
      });

  it("A invites B by link; B joins and both see each other's presence", async () => {
    // An empty session (the web app creates one only on a first message).
    sessionId = (await app.api.post("/chat/sessions", {}, a.token)).body.id;
    await a.page.goto(`/chat/${sessionId}`);
    await a.page.waitForSelector("[data-testid=messages][data-joined=true]", { timeout: WAIT_MS });
    // Renamed once the shared doc is up, so the title is co-edited from the start.
    await a.page.waitForSelector("[data-testid=composer][data-collab=shared]", {
      timeout: WAIT_MS,
    });
    await a.page.fill("[data-testid=session-title]", "Design review");
    await a.page.press("[data-testid=session-title]", "Enter");

    await a.page.click("[data-testid=share]");
    await a.page.waitForSelector("[data-testid=share-dialog]", { timeout: WAIT_MS });
    await a.page.selectOption("[data-testid=invite-role]", "editor");
    await a.page.selectOption("[data-testid=invite-expiry]", String(60 * 24));
    await a.page.click("[data-testid=invite-create]");
    const link = await (
      await a.page.waitForSelector("[data-testid=invite-url]", { timeout: WAIT_MS })
    ).inputValue();
    expect(link).toMatch(new RegExp(`^${app.url}/invite/[A-Za-z0-9_-]+$`));
    await a.page.click("[data-testid=share-close]");

    await b.page.goto(new URL(link).pathname);
    await b.page.waitForURL(new RegExp(`/chat/${sessionId}$`), { timeout: WAIT_MS });
    await b.page.waitForSelector("[data-testid=messages][data-joined=true]", { timeout: WAIT_MS });
    // The title A typed reaches B (through the shared doc, or the saved title).
    await b.page.waitForFunction(
      () =>
        (document.querySelector("[data-testid=session-title]") as HTMLInputElement).value ===
        "Design review",
      null,
      { timeout: WAIT_MS },
    );

    for (const [viewer, other] of [
      [a, b],
      [b, a],
    ] as const) {
      await viewer.page.waitForSelector(
        `[data-testid=presence] [data-user-id="${other.user.id}"]`,
        {
          timeout: WAIT_MS,
        },
      );
    }
    // The shared badge shows in B's sidebar too.
    await b.page.waitForSelector(
      `[data-testid=session-item][data-session-id="${sessionId}"] .badge`,
      {
        timeout: WAIT_MS,
      },
    );
  });

  it("both see each other's messages live, and typing", async () => {
    await b.page.click("[data-testid=composer]");
    await b.page.keyboard.type("hello from bob");
    await a.page.waitForFunction(
      () => document.querySelector("[data-testid=typing]")?.textContent?.includes("typing"),
      null,
      {
        timeout: WAIT_MS,
      },
    );
    await b.page.keyboard.press("Enter");
    await waitText(a, "hello from bob");
    await a.page.waitForFunction(
      () => !document.querySelector("[data-testid=typing]")?.textContent?.includes("typing"),
      null,
      {
        timeout: WAIT_MS,
      },
    );

    // A team session: the AI switch starts off, so this goes to people only.
    expect(await a.page.isChecked("[data-testid=ask-ai]")).toBe(false);
    await a.page.fill("[data-testid=composer]", "hi bob, **welcome**");
    await a.page.press("[data-testid=composer]", "Enter");
    await waitText(b, "hi bob, welcome");
    expect(
      await b.page.$eval("[data-testid=message]:last-child strong", (e) => e.textContent),
    ).toBe("welcome");

    // Same conversation on both screens, in the same order.
    expect(await messageTexts(a.page)).toEqual(await messageTexts(b.page));
    expect(await messageTexts(a.page)).toEqual(["hello from bob", "hi bob, welcome"]);

    // The sidebar search finds messages across sessions, not only titles.
    await b.page.fill("[data-testid=session-search]", "welcome");
    await b.page.waitForSelector(`[data-testid=search-hit][data-session-id="${sessionId}"]`, {
      timeout: WAIT_MS,
    });
    await b.page.fill("[data-testid=session-search]", "");
  });

  it("co-edits the draft (with each other's carets) and the title, live", async () => {
    for (const p of [a, b]) {
      await p.page.waitForSelector("[data-testid=composer][data-collab=shared]", {
        timeout: WAIT_MS,
      });
    }
    const draftIs = (p: UserPage, v: string) =>
      p.page.waitForFunction(
        (want) =>
          (document.querySelector("[data-testid=composer]") as HTMLTextAreaElement).value === want,
        v,
        { timeout: WAIT_MS },
      );
    await a.page.click("[data-testid=composer]");
    await a.page.keyboard.type("Let's ship ");
    await draftIs(b, "Let's ship ");
    await b.page.click("[data-testid=composer]");
    await b.page.keyboard.press("End");
    await b.page.keyboard.type("on Friday");
    await draftIs(a, "Let's ship on Friday");
    // B's caret shows in A's box with B's name, and A's in B's.
    await a.page.waitForSelector(`[data-testid=remote-cursor][data-user-id="${b.user.id}"]`, {
      timeout: WAIT_MS,
    });
    await b.page.waitForSelector(`[data-testid=remote-cursor][data-user-id="${a.user.id}"]`, {
      timeout: WAIT_MS,
    });
    await shot(a.page, "co-editing");

    // Sending the shared draft posts it once and empties it for both.
    await a.page.focus("[data-testid=composer]");
    await a.page.keyboard.press("Enter");
    await waitText(b, "Let's ship on Friday");
    await draftIs(a, "");
    await draftIs(b, "");

    // The title, co-edited in place: B sees A's edit live, and the server saves it.
    await a.page.click("[data-testid=session-title]");
    await a.page.keyboard.press("End");
    await a.page.keyboard.type(" v2");
    await b.page.waitForFunction(
      () =>
        (document.querySelector("[data-testid=session-title]") as HTMLInputElement).value ===
        "Design review v2",
      null,
      { timeout: WAIT_MS },
    );
    await a.page.keyboard.press("Enter");
    await b.page.waitForFunction(
      (sid) =>
        document
          .querySelector(`[data-testid=session-item][data-session-id="${sid}"]`)
          ?.textContent?.includes("v2"),
      sessionId,
      { timeout: WAIT_MS },
    );
    expect((await app.api.get(`/chat/${sessionId}`, b.token)).body.session.title).toBe(
      "Design review v2",
    );
  });

  it("A makes B a viewer: B's composer is gone and B cannot send", async () => {
    await a.page.click("[data-testid=share]");
    const row = `[data-testid=share-dialog] [data-testid=member][data-user-id="${b.user.id}"]`;
    await a.page.waitForSelector(row, { timeout: WAIT_MS });
    await shot(a.page, "share-dialog");
    await a.page.selectOption(`${row} select`, "viewer");
    await b.page.waitForSelector("[data-testid=viewer-note]", { timeout: WAIT_MS });
    expect(await b.page.$("[data-testid=composer]")).toBeNull();
    expect(await b.page.$("[data-testid=send]")).toBeNull();
    await a.page.click("[data-testid=share-close]");
    // And the server agrees: a send from B is refused.
    const res = await app.api.post("/chat/", { sessionId, content: "sneaky" }, b.token);
    expect(res.status).toBe(403);
  });

  it("queues messages sent while offline and sends each once on reconnect", async () => {
    await a.context.setOffline(true);
    await a.page.waitForSelector("[data-testid=reconnecting]", { timeout: WAIT_MS });
    await a.page.fill("[data-testid=composer]", "written offline 1");
    await a.page.press("[data-testid=composer]", "Enter");
    await a.page.fill("[data-testid=composer]", "written offline 2");
    await a.page.press("[data-testid=composer]", "Enter");
    expect(
      await a.page.$$eval("[data-testid=message][data-status=pending]", (els) => els.length),
    ).toBe(2);
    await shot(a.page, "offline-pending");

    await a.context.setOffline(false);
    await waitText(b, "written offline 2");
    await a.page.waitForSelector("[data-testid=message][data-status=pending]", {
      state: "detached",
      timeout: WAIT_MS,
    });
    const stored = (await app.api.get(`/chat/${sessionId}`, a.token)).body.messages.map(
      (m: any) => m.content,
    );
    // Each queued message stored exactly once, in the order it was written.
    expect(stored).toEqual([
      "hello from bob",
      "hi bob, **welcome**",
      "Let's ship on Friday",
      "written offline 1",
      "written offline 2",
    ]);
    const shown = [
      "hello from bob",
      "hi bob, welcome",
      "Let's ship on Friday",
      "written offline 1",
      "written offline 2",
    ];
    expect(await messageTexts(a.page)).toEqual(shown);
    expect(await messageTexts(b.page)).toEqual(shown);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  });

  it("marks a session unread for B until B has opened it", async () => {
    await b.page.goto("/");
    const item = `[data-testid=session-item][data-session-id="${sessionId}"]`;
    await b.page.waitForSelector(item, { timeout: WAIT_MS });
    await a.page.fill("[data-testid=composer]", "ping while you were away");
    await a.page.press("[data-testid=composer]", "Enter");
    await waitText(a, "ping while you were away");
    await b.page.reload();
    await b.page.waitForSelector(`${item} [data-testid=unread-count]`, { timeout: WAIT_MS });
    await b.page.click(item);
    await b.page.waitForSelector("[data-testid=messages][data-joined=true]", { timeout: WAIT_MS });
    await waitText(b, "ping while you were away");
    await b.page.goto("/");
    await b.page.waitForSelector(item, { timeout: WAIT_MS });
    expect(await b.page.$(`${item} [data-testid=unread-count]`)).toBeNull();
    await b.page.goto(`/chat/${sessionId}`);
    await b.page.waitForSelector("[data-testid=messages][data-joined=true]", { timeout: WAIT_MS });
  });

  it("B leaves the session from its menu; A sees B gone from the members", async () => {
    await b.page.click("[data-testid=session-menu]");
    await b.page.click("[data-testid=session-leave]");
    await b.page.waitForURL(/\/$/, { timeout: WAIT_MS });
    await b.page.waitForSelector(`[data-testid=session-item][data-session-id="${sessionId}"]`, {
      state: "detached",
      timeout: WAIT_MS,
    });
    await a.page.waitForSelector(`[data-testid=presence] [data-user-id="${b.user.id}"]`, {
      state: "detached",
      timeout: WAIT_MS,
    });
    const members = (await app.api.get(`/chat/${sessionId}/members`, a.token)).body.members;
    expect(members.map((m: any) => m.user.username)).toEqual(["alice"]);
  });

  it("keeps a rename typed while the shared doc was still connecting", async () => {
    const c = await userPage(app, "carol");
    const id = (await app.api.post("/chat/sessions", { title: "Old name" }, c.token)).body.id;
    // Hold the Yjs connection: the page sees an open socket that never syncs.
    const held: WebSocketRoute[] = [];
    let hold = true;
    await c.page.routeWebSocket(/\/yjs/, (ws) => {
      if (hold) held.push(ws);
      else ws.connectToServer();
    });
    await c.page.goto(`/chat/${id}`);
    await c.page.waitForSelector("[data-testid=messages][data-joined=true]", { timeout: WAIT_MS });
    await waitFor(() => held.length > 0, "the Yjs socket opened", WAIT_MS);
    expect(await c.page.getAttribute("[data-testid=composer]", "data-collab")).toBe("local");
    // Typing in the title, not yet committed, when the doc comes up.
    await c.page.fill("[data-testid=session-title]", "New name");
    hold = false;
    for (const ws of held) await ws.close();
    await c.page.waitForSelector("[data-testid=composer][data-collab=shared]", {
      timeout: WAIT_MS,
    });
    expect(await c.page.inputValue("[data-testid=session-title]")).toBe("New name");
    await c.page.press("[data-testid=session-title]", "Enter");
    await c.page.waitForFunction(
      (sid) =>
        document
          .querySelector(`[data-testid=session-item][data-session-id="${sid}"]`)
          ?.textContent?.includes("New name"),
      id,
      { timeout: WAIT_MS },
    );
    await waitFor(
      async () => (await app.api.get(`/chat/${id}`, c.token)).body.session.title === "New name",
      "the rename stored",
      WAIT_MS,
    );
    await c.context.close();
  });
});
