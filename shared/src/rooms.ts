/** Socket.IO room of a chat session. The only place the room name is built. */
export function sessionRoom(sessionId: string): string {
  return `session:${sessionId}`;
}

/** Socket.IO room holding every socket of one user (for membership changes, token expiry). */
export function userRoom(userId: string): string {
  return `user:${userId}`;
}

/**
 * Socket.IO room of every member's sockets, whichever session they have open: the
 * sidebar's activity and renames. Sockets join the rooms of their memberships on
 * connect, and are added or removed (on every node) as memberships change.
 */
export function sessionWatchRoom(sessionId: string): string {
  return `watch:${sessionId}`;
}

/** Yjs room name of a chat session, as used in `/yjs/<room>`. */
export function yjsRoom(sessionId: string): string {
  return `session:${sessionId}`;
}

/**
 * Socket.IO room (local to each node) of the sockets in a session room that joined with
 * `presence: "full"`: they get the whole list, everyone else the page's changes.
 */
export function presenceFullRoom(sessionId: string): string {
  return `presence-full:${sessionId}`;
}

/** The session id inside a Yjs or Socket.IO session room name, or null. */
export function sessionIdOfRoom(room: string): string | null {
  return room.startsWith("session:") ? room.slice("session:".length) : null;
}

/** Socket.IO room of every live widget socket of one key: revoking the key empties it. */
export function widgetKeyRoom(keyId: string): string {
  return `widget-key:${keyId}`;
}

/**
 * The reason prefix of the Yjs server's "permission denied" notice (y-protocols auth
 * message): `resync:<why>` tells the client the server refused its edit, so it drops its
 * local copy and loads the server's again (docs/PROTOCOL.md, Yjs).
 */
export const YJS_RESYNC_PREFIX = "resync:";
