/**
 * Characters that change how text around them is displayed without being seen: bidi
 * embeddings, overrides and isolates, marks, zero-width joiners and the BOM. In a
 * display name they let one person's name pass for another's (`alice` written
 * backwards behind U+202E), in the chat and in the prompt the model reads.
 */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** A display name as shown anywhere: NFC, no invisible or control characters, spaces collapsed. */
export function cleanDisplayName(name: string): string {
  return name
    .normalize("NFC")
    .replace(INVISIBLE, "")
    .replace(CONTROL, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Whether a string holds a NUL or another C0/C1 control character (refused in one-line fields). */
export function hasControlCharacters(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

/** Whether a string holds a bidi override, zero-width or other invisible formatting character. */
export function hasInvisibleCharacters(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  return INVISIBLE.test(text);
}
