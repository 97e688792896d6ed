import { describe, expect, it } from "vitest";
import { sniffFileType } from "./sniff";

const b = (s: string) => Buffer.from(s);

describe("sniffFileType", () => {
  it("decides by content, using the name only among text kinds", () => {
    expect(sniffFileType(b("%PDF-1.7\n..."), "report.txt")).toMatchObject({
      ok: true,
      kind: "pdf",
    });
    expect(sniffFileType(b("PK\u0003\u0004rest"), "a.docx")).toMatchObject({
      kind: "docx",
      zip: true,
    });
    expect(sniffFileType(b("<!DOCTYPE html><p>x"), "page.txt")).toMatchObject({ kind: "html" });
    expect(sniffFileType(b("# Title"), "notes.md")).toMatchObject({ kind: "markdown" });
    expect(sniffFileType(b("a,b\n1,2"), "t.csv")).toMatchObject({ kind: "csv" });
    expect(sniffFileType(b("fn main() {}"), "main.rs")).toMatchObject({ kind: "code" });
    expect(sniffFileType(b('{"a":1}'), "data")).toMatchObject({ kind: "json" });
    expect(sniffFileType(b("plain words"), "readme")).toMatchObject({ kind: "text" });
  });

  it("refuses binary types and names that lie about a binary format", () => {
    expect(sniffFileType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 1]), "x.png")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/PNG/),
    });
    expect(sniffFileType(Buffer.from([0, 159, 146, 150]), "x.txt")).toMatchObject({ ok: false });
    expect(sniffFileType(b("<html><body>hi"), "fake.pdf")).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/HTML, not a PDF/),
    });
    expect(sniffFileType(b("hello"), "fake.docx")).toMatchObject({ ok: false });
  });
});
