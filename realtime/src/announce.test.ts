import type { ChatMessage } from "@engunity/db";
import { describe, expect, it } from "vitest";
import { announce } from "./announce";
import type { AppContext } from "./context";

/** An emitter that records what was emitted, and to which rooms. */
function recordingContext() {
  const emitted: { event: string; room: string | string[]; except?: string | string[] }[] = [];
  const ctx = {
    emitter: {
      to: (room: string | string[], except?: string | string[]) => ({
        emit: (event: string) => {
          emitted.push({ event, room, except });
          return true;
        },
      }),
    },
    logger: { warn() {} },
  } as unknown as AppContext;
  return { ctx, emitted };
}

const message = {
  id: "m1",
  sessionId: "s1",
  authorId: "u1",
  role: "user",
  content: "hello",
  status: "complete",
  clientId: null,
  metadata: {},
  createdAt: new Date("2026-12-02T16:00:00Z"),
  author: null,
} as unknown as ChatMessage;

describe("announce.messageNew", () => {
  it("emits message:new at once and session:activity on the next turn of the loop", async () => {
    const { ctx, emitted } = recordingContext();
    announce.messageNew(ctx, message);
    // The room's frame leaves before anything else; the sidebar's does not hold it (or
    // the sender's ack) up.
    expect(emitted).toEqual([{ event: "message:new", room: "session:s1", except: undefined }]);
    await new Promise((r) => setImmediate(r));
    expect(emitted).toEqual([
      { event: "message:new", room: "session:s1", except: undefined },
      { event: "session:activity", room: "watch:s1", except: "session:s1" },
    ]);
  });
});
