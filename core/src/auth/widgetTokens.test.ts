import { describe, expect, it } from "vitest";
import { signAccessToken, verifyAccessToken } from "./tokens";
import {
  newWidgetSecret,
  parseWidgetKey,
  signWidgetToken,
  verifyWidgetToken,
  widgetSecretMatches,
} from "./widgetTokens";

const SECRET = "s".repeat(40);
const KEY_ID = "0b6c1c36-5a51-4f0e-9d55-2c4d2b0f9a11";

describe("widget keys and tokens", () => {
  it("issues a key that parses back to its id and matches only its own hash", () => {
    const a = newWidgetSecret(KEY_ID);
    const parsed = parseWidgetKey(a.key);
    expect(parsed?.keyId).toBe(KEY_ID);
    expect(widgetSecretMatches(parsed!.secret, a.secretHash)).toBe(true);
    const b = newWidgetSecret(KEY_ID);
    expect(widgetSecretMatches(parsed!.secret, b.secretHash)).toBe(false);
    expect(a.key).not.toContain(a.secretHash);
    for (const bad of ["", "ewk_", `${a.key}x`, a.key.replace("ewk_", "ek_"), "Bearer x"]) {
      expect(parseWidgetKey(bad)).toBeNull();
    }
  });

  it("keeps widget tokens and user tokens apart", () => {
    const { token, expiresAt } = signWidgetToken(
      SECRET,
      { userId: "u1", sessionId: "s1", keyId: KEY_ID },
      15,
    );
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    expect(verifyWidgetToken(SECRET, token)).toMatchObject({ sub: "u1", sid: "s1", kid: KEY_ID });
    expect(verifyWidgetToken("x".repeat(40), token)).toBeNull();
    // A user token is never a widget token, however it is dressed.
    expect(verifyWidgetToken(SECRET, signAccessToken(SECRET, "u1", 5, { sid: "s1" }))).toBeNull();
    // The user-token verifier sees a widget token's `sid`: REST and the socket refuse or scope it.
    expect(verifyAccessToken(SECRET, token)?.sid).toBe("s1");
  });
});
