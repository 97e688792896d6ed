/**
 * Who is in which session room, across every node. Sockets report their room joins
 * and leaves here; readers get the user ids present on any live node.
 *
 * Two implementations: in memory (embedded mode, one process) and Redis (scaled),
 * where a node that dies stops counting within seconds because its heartbeat lapses.
 */
export interface PresenceStore {
  /** A socket of `userId` on this node entered the session room. */
  add(sessionId: string, userId: string): void;
  /** A socket of `userId` on this node left the session room (or disconnected). */
  remove(sessionId: string, userId: string): void;
  /** Ids of the users with a socket in the session room on any live node. */
  userIds(sessionId: string): Promise<string[]>;
  /**
   * Called on every node whenever a session's presence may have changed (a user
   * came or went anywhere, or a dead node's users were dropped).
   */
  onChange(listener: (sessionId: string) => void): void;
  close(): Promise<void>;
}
