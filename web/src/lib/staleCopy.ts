import type { Message } from "@engunity/shared";

/**
 * Whether a snapshot's copy of a message (the REST first paint, a join ack's history)
 * is older than the one already held. A snapshot is read some time before it arrives:
 * the live room may have moved on meanwhile (an answer of the offline provider is done
 * in milliseconds, before the page that sent it has loaded). Within one version an
 * answer only goes from `streaming` to final, never back; a new version (regenerate,
 * continue, edit) is numbered higher. So a copy of a lower version, or one still
 * `streaming` where ours is final, is stale and must not replace ours — else a done
 * answer would show "Thinking" with no stream left to end it.
 */
export function isStaleCopy(held: Message, copy: Message): boolean {
  const heldVersion = held.metadata.version ?? 1;
  const copyVersion = copy.metadata.version ?? 1;
  if (copyVersion !== heldVersion) return copyVersion < heldVersion;
  return copy.status === "streaming" && held.status !== "streaming";
}
