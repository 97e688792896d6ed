import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { Awareness } from "y-protocols/awareness";

/** Awareness client ids one connection may introduce (a tab has one; a few reconnects more). */
export const MAX_AWARENESS_CLIENTS_PER_CONNECTION = 4;
/** Largest awareness state (JSON) a client may publish: a name, a colour and a cursor. */
export const MAX_AWARENESS_STATE_BYTES = 2048;

/** `#rrggbb` or `hsl(h s% l%)`, nothing that could smuggle CSS. */
const COLOR = /^(#[0-9a-fA-F]{6}|hsl\(\d{1,3}(\.\d+)? \d{1,3}(\.\d+)?% \d{1,3}(\.\d+)?%\))$/;

/** Who the connection is, as the server knows it. */
export interface AwarenessOwner {
  userId: string;
  name: string;
}

/**
 * Rewrites a client's awareness update so it can only speak for itself (finding 4: a
 * viewer overwrote, then deleted, the owner's entry under the owner's name):
 *
 * - an entry is kept only for a client id this connection introduced, or a new one
 *   (not held live by another connection or node), up to a few per connection;
 * - `user` is replaced by the authenticated account (`id`, `name`), keeping only a
 *   well-formed colour of the client's choice (`#rrggbb` or `hsl(h s% l%)`);
 * - oversized or malformed states are dropped.
 *
 * Returns the update to apply, or null when nothing is left of it.
 */
export function guardAwarenessUpdate(
  update: Uint8Array,
  awareness: Awareness,
  owned: Set<number>,
  ownedByOthers: (clientId: number) => boolean,
  owner: AwarenessOwner,
): Uint8Array | null {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const kept: { clientId: number; clock: number; json: string }[] = [];
  const introduced = new Set(owned);
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const raw = decoding.readVarString(decoder);
    if (!introduced.has(clientId)) {
      const live = awareness.getStates().has(clientId);
      if (live || ownedByOthers(clientId)) continue;
      if (introduced.size >= MAX_AWARENESS_CLIENTS_PER_CONNECTION) continue;
      introduced.add(clientId);
    }
    if (raw.length > MAX_AWARENESS_STATE_BYTES) continue;
    let state: unknown;
    try {
      state = JSON.parse(raw);
    } catch {
      continue;
    }
    if (state === null) {
      kept.push({ clientId, clock, json: "null" });
      continue;
    }
    if (typeof state !== "object" || Array.isArray(state)) continue;
    const claimed = (state as { user?: { color?: unknown } }).user;
    const color =
      typeof claimed?.color === "string" && COLOR.test(claimed.color) ? claimed.color : undefined;
    const rewritten = {
      ...(state as Record<string, unknown>),
      user: { id: owner.userId, name: owner.name, ...(color ? { color } : {}) },
    };
    kept.push({ clientId, clock, json: JSON.stringify(rewritten) });
  }
  if (kept.length === 0) return null;
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, kept.length);
  for (const entry of kept) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.json);
  }
  return encoding.toUint8Array(encoder);
}
