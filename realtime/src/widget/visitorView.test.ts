import { describe, expect, it } from "vitest";
import { redactPacket, VISITOR_ANSWER_ERROR } from "./visitorView";

/** The visitor filter on encoded Socket.IO packets (the socket test covers it end to end). */
describe("redactPacket", () => {
  it("keeps what the chat view shows and drops routing, errors, emails and pages", () => {
    const ack = `31${JSON.stringify([
      {
        ok: true,
        messages: [
          {
            role: "assistant",
            content: "hi",
            metadata: {
              citations: [{ n: 1 }],
              attempts: [{ provider: "groq", error: "429 from api.groq.com" }],
              provider: "groq",
              model: "llama",
              usage: { promptTokens: 1, completionTokens: 2 },
              error: "upstream 502: <html>",
              stoppedBy: { id: "u" },
              version: 2,
            },
          },
        ],
        members: [{ user: { id: "v", email: "v@x.test" }, visitor: { pageUrl: "https://h/p" } }],
        generations: [
          { messageId: "m", epoch: 1, seq: 3, text: "so far", provider: "groq", model: "llama" },
        ],
      },
    ])}`;
    const out = JSON.parse(redactPacket(ack).slice(2));
    expect(out[0].messages[0].metadata).toEqual({
      citations: [{ n: 1 }],
      version: 2,
      error: VISITOR_ANSWER_ERROR,
    });
    expect(out[0].members[0]).toEqual({ user: { id: "v" }, visitor: {} });
    expect(out[0].generations).toEqual([{ messageId: "m", epoch: 1, seq: 3, text: "so far" }]);
  });

  it("blanks the provider and model of ai:start and leaves other packets alone", () => {
    const start =
      '2["ai:start",{"sessionId":"s","messageId":"m","provider":"groq","model":"x","epoch":1}]';
    expect(JSON.parse(redactPacket(start).slice(1))[1]).toMatchObject({ provider: "", model: "" });
    expect(redactPacket('2/admin,["x",{"a":1}]')).toBe('2/admin,["x",{"a":1}]');
    expect(redactPacket("3")).toBe("3");
    expect(redactPacket('51-["bin",{"_placeholder":true,"num":0}]')).toBe(
      '51-["bin",{"_placeholder":true,"num":0}]',
    );
  });
});
