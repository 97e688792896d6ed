import { YJS_RESYNC_PREFIX } from "@engunity/shared/rooms";
import * as decoding from "lib0/decoding";
import type { WebsocketProvider } from "y-websocket";

const MESSAGE_AUTH = 2;
const PERMISSION_DENIED = 0;

/**
 * Calls `onResync(why)` when the Yjs server says it refused this client's edit (over a
 * budget, over the rate, or written after a demotion): the local copy then holds what
 * the server's never will, and must be dropped for the server's (see `connectCollab`).
 * Replaces y-websocket's own handler of the auth message, which only logs.
 */
export function onServerResync(provider: WebsocketProvider, onResync: (why: string) => void): void {
  provider.messageHandlers[MESSAGE_AUTH] = (_encoder, decoder) => {
    if (decoding.readVarUint(decoder) !== PERMISSION_DENIED) return;
    const reason = decoding.readVarString(decoder);
    if (reason.startsWith(YJS_RESYNC_PREFIX)) onResync(reason.slice(YJS_RESYNC_PREFIX.length));
  };
}
