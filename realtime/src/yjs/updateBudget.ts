import { LIMITS } from "@engunity/shared";
import * as Y from "yjs";

/** The only shared types a session doc has (PROTOCOL.md "Yjs"). */
export const SHARED_TYPES = ["title", "draft"] as const;
const ALLOWED_ROOTS = new Set<string>(SHARED_TYPES);

export interface YjsBudget {
  /** Largest single update (sync step 2 or update) a client may send. */
  maxUpdateBytes: number;
  /** Largest encoded state of one doc; growth past it is refused. */
  maxDocBytes: number;
}

/**
 * A draft of `LIMITS.messageMax` characters pasted at once, at up to 3 UTF-8 bytes a
 * character (UTF-16 surrogate pairs count as 2 characters and 4 bytes), plus struct
 * overhead: bigger than any honest single edit.
 */
export const DEFAULT_MAX_UPDATE_BYTES = LIMITS.messageMax * 3 + 64 * 1024;

/** Why an update was refused (also the metric's reason label). */
export type Refusal =
  | "unknown_type"
  | "update_too_large"
  | "doc_too_large"
  | "draft_too_long"
  /** Builds on content the server's copy lacks (SharedDoc.applyClientUpdate). */
  | "missing_parents";

/**
 * Whether a client's update only touches the known text types with plain text: no
 * other root type (finding 2: `getMap("blob")`), no nested or binary content, no map
 * keys. Items whose parent is left out are placed by their origin, which is itself
 * in an allowed type (or in this very update, checked the same way).
 */
function onlyKnownTypes(update: Uint8Array): { ok: boolean; insertedChars: number } {
  const { structs } = Y.decodeUpdate(update);
  let insertedChars = 0;
  for (const struct of structs) {
    if (!(struct instanceof Y.Item)) continue; // GC and Skip carry no content
    if (struct.parentSub !== null) return { ok: false, insertedChars };
    const parent = struct.parent;
    if (typeof parent === "string") {
      if (!ALLOWED_ROOTS.has(parent)) return { ok: false, insertedChars };
    } else if (parent !== null) {
      // An ID: a nested type's item. Text types here hold no nested types.
      return { ok: false, insertedChars };
    }
    const content = struct.content;
    if (content instanceof Y.ContentString) insertedChars += content.getLength();
    else if (!(content instanceof Y.ContentDeleted || content instanceof Y.ContentFormat)) {
      return { ok: false, insertedChars };
    }
  }
  return { ok: true, insertedChars };
}

/**
 * Checks a client's update against the budget before it touches the live doc, and
 * throws if it does not parse (the one full decode of an update on its way in). The
 * cheap bound (current lengths + every inserted character) settles almost every
 * edit; only an update that could push the draft over its limit is tried on a copy.
 * `approxBytes` is the doc's running size estimate (see SharedDoc.approxBytes).
 */
export function checkClientUpdate(
  doc: Y.Doc,
  update: Uint8Array,
  budget: YjsBudget,
  size: { approxBytes: number; recount(): number },
): Refusal | null {
  if (update.byteLength > budget.maxUpdateBytes) return "update_too_large";
  const scan = onlyKnownTypes(update);
  if (!scan.ok) return "unknown_type";
  if (size.approxBytes + update.byteLength > budget.maxDocBytes) {
    // The estimate only grows; the encoded state drops what deletions freed.
    if (size.recount() + update.byteLength > budget.maxDocBytes) return "doc_too_large";
  }
  const draft = doc.getText("draft").length;
  if (draft + scan.insertedChars <= LIMITS.messageMax) return null;
  const copy = new Y.Doc();
  try {
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    Y.applyUpdate(copy, update);
    return copy.getText("draft").length > LIMITS.messageMax ? "draft_too_long" : null;
  } finally {
    copy.destroy();
  }
}
