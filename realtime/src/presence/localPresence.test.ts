import { describe, expect, it } from "vitest";
import { LocalPresence } from "./localPresence";

describe("LocalPresence", () => {
  it("counts a user's sockets: present from the first join until the last leave", () => {
    const p = new LocalPresence();
    expect(p.add("s1", "u1")).toBe(true);
    expect(p.add("s1", "u1")).toBe(false);
    expect(p.add("s1", "u2")).toBe(true);
    expect(p.userIds("s1").sort()).toEqual(["u1", "u2"]);
    expect(p.remove("s1", "u1")).toBe(false);
    expect(p.userIds("s1").sort()).toEqual(["u1", "u2"]);
    expect(p.remove("s1", "u1")).toBe(true);
    expect(p.userIds("s1")).toEqual(["u2"]);
    expect(p.remove("s1", "u2")).toBe(true);
    expect(p.hasSession("s1")).toBe(false);
  });

  it("ignores a leave it never saw a join for", () => {
    const p = new LocalPresence();
    expect(p.remove("s1", "ghost")).toBe(false);
    p.add("s2", "u1");
    expect(p.remove("s2", "ghost")).toBe(false);
    expect([...p.entries()]).toEqual([["s2", "u1"]]);
  });
});
