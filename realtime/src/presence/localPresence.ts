/**
 * Socket counts per session and user on this node. A user with two tabs has two
 * sockets; they are present until the last one leaves.
 */
export class LocalPresence {
  private readonly counts = new Map<string, Map<string, number>>();

  /** Counts a socket in; true when it is the user's first in this session here. */
  add(sessionId: string, userId: string): boolean {
    let users = this.counts.get(sessionId);
    if (!users) {
      users = new Map();
      this.counts.set(sessionId, users);
    }
    const n = users.get(userId) ?? 0;
    users.set(userId, n + 1);
    return n === 0;
  }

  /** Counts a socket out; true when it was the user's last in this session here. */
  remove(sessionId: string, userId: string): boolean {
    const users = this.counts.get(sessionId);
    const n = users?.get(userId);
    if (!users || !n) return false;
    if (n > 1) {
      users.set(userId, n - 1);
      return false;
    }
    users.delete(userId);
    if (users.size === 0) this.counts.delete(sessionId);
    return true;
  }

  userIds(sessionId: string): string[] {
    return [...(this.counts.get(sessionId)?.keys() ?? [])];
  }

  hasSession(sessionId: string): boolean {
    return this.counts.has(sessionId);
  }

  /** Every (session, user) pair present here, to re-register after a Redis outage. */
  *entries(): Generator<[sessionId: string, userId: string]> {
    for (const [sessionId, users] of this.counts) {
      for (const userId of users.keys()) yield [sessionId, userId];
    }
  }
}
