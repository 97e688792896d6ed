/** Words too common to say anything about a passage (BM25 and the hashing embedder skip them). */
const STOPWORDS = new Set(
  (
    "a an and are as at be but by for from has have he her his i if in into is it its me my no " +
    "not of on or our she so than that the their them then there these they this to was we were " +
    "what when where which who why will with you your do does did can could should would how"
  ).split(" "),
);

/**
 * Lower-cased word tokens of `text` (Unicode letters and digits), stop words dropped.
 * The one tokenizer of retrieval: BM25 and the hashing embedder must agree.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+(?:[._'-][\p{L}\p{N}]+)*/gu)) {
    const word = m[0];
    if (word.length > 40 || STOPWORDS.has(word)) continue;
    out.push(word);
  }
  return out;
}
