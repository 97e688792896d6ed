import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTinyGguf } from "../../scripts/make-tiny-gguf";
import { LocalLlamaProvider } from "../src/providers/LocalLlamaProvider";

/** The local provider against a tiny GGUF the test generates (nothing is downloaded). */
describe("LocalLlamaProvider on a generated tiny GGUF", () => {
  let dir: string;
  let provider: LocalLlamaProvider;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "engunity-gguf-"));
    const modelPath = join(dir, "tiny.gguf");
    writeFileSync(modelPath, makeTinyGguf({ seed: 7 }));
    provider = new LocalLlamaProvider({ modelPath, threads: 1, contextSize: 512 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function answer(signal = new AbortController().signal, onText?: (n: number) => void) {
    const texts: string[] = [];
    let usage: { promptTokens: number; completionTokens: number } | undefined;
    const messages = [
      { role: "system" as const, content: "You are terse." },
      { role: "user" as const, content: "alice: hello" },
      { role: "assistant" as const, content: "hi" },
      { role: "user" as const, content: "alice: is the sky blue?" },
    ];
    for await (const c of provider.stream({ messages, maxTokens: 12, signal })) {
      if (c.type === "text") {
        texts.push(c.text);
        onText?.(texts.length);
      } else if (c.type === "usage") usage = c.usage;
    }
    return { texts, usage };
  }

  it("streams tokens through node-llama-cpp with the model's chat template, deterministically", async () => {
    const first = await answer();
    expect(first.texts.length).toBeGreaterThan(1);
    expect(first.usage?.completionTokens).toBeGreaterThan(0);
    expect(first.usage?.promptTokens).toBeGreaterThan(5);
    const second = await answer();
    expect(second.texts.join("")).toBe(first.texts.join(""));
  }, 60_000);

  it("stops when the signal aborts", async () => {
    const controller = new AbortController();
    const { texts } = await answer(controller.signal, (n) => {
      if (n === 2) controller.abort();
    });
    expect(texts).toHaveLength(2);
  }, 60_000);
});
