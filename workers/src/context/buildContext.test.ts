import { createDb, createMessages, createSession, type Db } from "@engunity/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildContext, SYSTEM_PROMPT } from "./buildContext";

describe("buildContext", () => {
  let db: Db;
  beforeAll(async () => {
    db = createDb({ sqlitePath: ":memory:" });
    await db.migrate();
  });
  afterAll(() => db.close());

  it("names each human author, keeps the newest turns within the token budget, and leaves out unfinished answers", async () => {
    const alice = await db.models.User.create({
      username: "alice",
      email: "a@x.test",
      hashedPassword: "x",
      fullName: "Alice A",
    });
    const bob = await db.models.User.create({
      username: "bob",
      email: "b@x.test",
      hashedPassword: "x",
      fullName: null,
    });
    const session = await createSession(db, alice.id, "ctx");
    const say = async (
      authorId: string | null,
      role: "user" | "assistant",
      content: string,
      status: "complete" | "streaming" | "error" = "complete",
    ) =>
      (await createMessages(db, [{ sessionId: session.id, authorId, role, content, status }]))
        .messages[0]!;
    await say(alice.id, "user", "old ".repeat(400));
    await say(null, "assistant", "an old answer");
    await say(bob.id, "user", "what about tests?");
    await say(null, "assistant", "half an answ", "error");
    await say(null, "assistant", "", "streaming");
    const last = await say(alice.id, "user", "and the budget?");

    const turns = await buildContext(db, {
      sessionId: session.id,
      userMessageId: last.id,
      budgetTokens: 150,
    });
    expect(turns[0]).toEqual({ role: "system", content: SYSTEM_PROMPT });
    expect(turns.slice(1)).toEqual([
      { role: "assistant", content: "an old answer" },
      { role: "user", content: "bob: what about tests?" },
      { role: "user", content: "Alice A: and the budget?" },
    ]);
  });
});
