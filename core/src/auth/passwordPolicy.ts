import { hasControlCharacters, LIMITS } from "@engunity/shared";
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import { validationFailed } from "../errors";

/**
 * zxcvbn-ts with its common-password, name and keyboard-pattern dictionaries: a
 * well-kept list instead of a hand-made one (finding 10: `password`, eight spaces
 * and eight NULs were accepted). Built on first use; the dictionaries are large.
 */
let checker: ZxcvbnFactory | undefined;

/** zxcvbn's score (0–4) a password needs: 3 means "safely unguessable" against online attacks. */
const MIN_SCORE = 3;

/**
 * Refuses a password that is short, blank, or guessable (common, a keyboard walk, a
 * repeat, or built from the person's own username or email). Throws `validation_failed`.
 */
export function assertPasswordAcceptable(password: string, userInputs: string[] = []): void {
  const fail = (why: string) =>
    validationFailed(`Password ${why}`, [{ path: "password", message: why }]);
  if ([...password].length < LIMITS.passwordMin)
    throw fail(`must be at least ${LIMITS.passwordMin} characters`);
  if (password.trim().length === 0 || hasControlCharacters(password)) {
    throw fail("must not be blank or contain control characters");
  }
  checker ??= new ZxcvbnFactory({
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary },
  });
  const result = checker.check(password.slice(0, 100), userInputs);
  if (result.score < MIN_SCORE) {
    throw fail("is too easy to guess: use a few unrelated words, or a password manager");
  }
}
