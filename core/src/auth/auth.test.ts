import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import {
  hashPassword,
  passwordHashLoad,
  resetPasswordHashTiming,
  setPasswordHashConcurrency,
  verifyPassword,
  verifyUnknownAccount,
} from "./password";
import { signAccessToken, verifyAccessToken } from "./tokens";

const secret = "s".repeat(64);

describe("passwords", () => {
  it("verifies the right password only, with a salted self-describing hash", async () => {
    const a = await hashPassword("hunter22!", 10);
    const b = await hashPassword("hunter22!", 10);
    expect(a).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("hunter22!", a)).toBe(true);
    expect(await verifyPassword("hunter22?", a)).toBe(false);
    expect(await verifyPassword("hunter22!", "bcrypt$whatever")).toBe(false);
  });
});

describe("login flood (finding 1)", () => {
  const cpuMs = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };

  it("an unknown account costs a real hash's time but not its CPU", async () => {
    resetPasswordHashTiming();
    const stored = await hashPassword("hunter22!", 14);
    // The first unknown login learns the hash time (one real hash), later ones only wait.
    await verifyUnknownAccount("guess", 14);
    let cpu = cpuMs();
    let t = performance.now();
    expect(await verifyPassword("wrong guess", stored)).toBe(false);
    const real = { cpu: cpuMs() - cpu, wall: performance.now() - t };
    cpu = cpuMs();
    t = performance.now();
    for (let i = 0; i < 4; i++) expect(await verifyUnknownAccount(`guess ${i}`, 14)).toBe(false);
    const unknown = { cpu: (cpuMs() - cpu) / 4, wall: (performance.now() - t) / 4 };
    // Timing alike (so it does not tell which accounts exist), CPU not.
    expect(unknown.wall).toBeGreaterThan(real.wall * 0.4);
    expect(unknown.cpu).toBeLessThan(real.cpu * 0.25);
  });

  it("a full hashing queue answers 429 at once instead of queueing without bound", async () => {
    const before = passwordHashLoad().limit;
    setPasswordHashConcurrency(1);
    try {
      const stored = await hashPassword("hunter22!", 12);
      const results = await Promise.allSettled(
        Array.from({ length: 40 }, () => verifyPassword("nope", stored)),
      );
      const refused = results.filter((r) => r.status === "rejected");
      expect(refused.length).toBeGreaterThan(0);
      expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({
        code: "rate_limited",
        status: 429,
      });
      expect(results.filter((r) => r.status === "fulfilled").length).toBeGreaterThan(0);
      expect(passwordHashLoad()).toMatchObject({ running: 0, waiting: 0 });
    } finally {
      setPasswordHashConcurrency(before);
    }
  });
});

describe("access tokens", () => {
  it("round-trips a signed token", () => {
    const token = signAccessToken(secret, "user-1", 5);
    const claims = verifyAccessToken(secret, token);
    expect(claims?.sub).toBe("user-1");
    expect(claims!.exp - claims!.iat).toBe(300);
  });

  it("refuses alg none, other algorithms, missing exp, expired and wrong keys", () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(
      JSON.stringify({ sub: "u", exp: now + 60 }),
    ).toString("base64url")}.`;
    expect(verifyAccessToken(secret, unsigned)).toBeNull();
    expect(
      verifyAccessToken(
        secret,
        jwt.sign({}, secret, { subject: "u", expiresIn: 60, algorithm: "HS384" }),
      ),
    ).toBeNull();
    expect(verifyAccessToken(secret, jwt.sign({}, secret, { subject: "u" }))).toBeNull();
    expect(
      verifyAccessToken(secret, jwt.sign({ exp: now - 1 }, secret, { subject: "u" })),
    ).toBeNull();
    expect(
      verifyAccessToken(secret, jwt.sign({}, "k".repeat(64), { subject: "u", expiresIn: 60 })),
    ).toBeNull();
    expect(verifyAccessToken(secret, jwt.sign({ sub: 42 }, secret, { expiresIn: 60 }))).toBeNull();
  });
});
