import jwt from "jsonwebtoken";
import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./password";
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
