import { LocalPresence } from "./localPresence";
import type { PresenceStore } from "./presenceStore";

/** Presence for embedded mode: one process holds every socket, so local counts are the truth. */
export function createMemoryPresence(): PresenceStore {
  const local = new LocalPresence();
  const listeners: ((sessionId: string) => void)[] = [];
  const changed = (sessionId: string) => {
    for (const listener of listeners) listener(sessionId);
  };
  return {
    add(sessionId, userId) {
      if (local.add(sessionId, userId)) changed(sessionId);
    },
    remove(sessionId, userId) {
      if (local.remove(sessionId, userId)) changed(sessionId);
    },
    userIds: async (sessionId) => local.userIds(sessionId),
    onChange(listener) {
      listeners.push(listener);
    },
    close: async () => {},
  };
}
