import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderSocketDoc } from "./socket-events-doc";

describe("docs/SOCKET_EVENTS.md", () => {
  it("is what the typed event maps say (regenerate: npx tsx scripts/socket-events-doc.ts)", () => {
    const current = readFileSync(new URL("../docs/SOCKET_EVENTS.md", import.meta.url), "utf8");
    expect(current).toBe(renderSocketDoc());
  }, 60_000);
});
