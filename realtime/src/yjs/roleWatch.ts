import { can } from "@engunity/core";
import type { Db } from "@engunity/db";
import { yjsRoom } from "@engunity/shared";
import type { DocSync } from "./redisDocSync";
import type { DocConnection, SharedDoc } from "./SharedDoc";

/**
 * Who may stay connected to the docs this node holds, and who may write: evictions
 * and role changes apply at once, here and (through peer sync) on every node, and a
 * periodic re-read of the roles bounds what a missed one can cost.
 */
export class RoleWatch {
  /**
   * Bumped by every role change and eviction applied here (and the doc's own
   * `roleChanges`): a role read that began before a bump may be older than what a
   * connection was told since.
   */
  changes = 0;

  constructor(
    private readonly docs: ReadonlyMap<string, SharedDoc>,
    private readonly db: Db,
    private readonly sync: () => DocSync | null,
  ) {}

  /**
   * Closes a user's connections to a session's doc (all connections when `userId` is
   * null: the session was deleted, and nothing of it is stored any more).
   */
  closeLocal(room: string, userId: string | null): void {
    this.changes += 1;
    const shared = this.docs.get(room);
    if (!shared) return;
    shared.roleChanges += 1;
    if (userId === null) shared.persister?.discard();
    for (const conn of [...shared.conns.keys()]) {
      if (userId === null || conn.userId === userId) conn.close(4403, "removed from the session");
    }
  }

  /**
   * Re-reads the roles of everyone connected (one query per open doc): a member
   * demoted to viewer stops writing, one removed behind our back is closed. Removal
   * through the app is immediate (evict); this bounds what a missed evict can cost.
   */
  async refreshRoles(): Promise<void> {
    for (const shared of [...this.docs.values()]) {
      if (shared.conns.size === 0) continue;
      const mark = shared.roleChanges;
      const members = await this.db.models.SessionMember.findAll({
        where: { sessionId: shared.sessionId },
        attributes: ["userId", "role"],
        raw: true,
      });
      // A change applied meanwhile is newer than this read: the next pass reads again.
      if (shared.roleChanges !== mark) continue;
      const roles = new Map(members.map((m) => [m.userId, m.role]));
      for (const conn of [...shared.conns.keys()]) {
        const role = roles.get(conn.userId);
        if (!role) conn.close(4403, "removed from the session");
        else conn.canWrite = can(role, "write");
      }
    }
  }

  /**
   * Re-reads the membership of a connection just attached, whose admission read it
   * before the connection could hear of changes (see `changes`): removed, it is closed;
   * otherwise it takes the role as read, unless a change was applied meanwhile (then it
   * reads again).
   */
  async confirm(shared: SharedDoc, conn: DocConnection): Promise<void> {
    for (;;) {
      const mark = shared.roleChanges;
      const member = await this.db.models.SessionMember.findOne({
        where: { sessionId: shared.sessionId, userId: conn.userId },
        attributes: ["role"],
        raw: true,
      });
      if (!shared.conns.has(conn)) return;
      if (shared.roleChanges !== mark) continue;
      if (!member) conn.close(4403, "removed from the session");
      else conn.canWrite = can(member.role, "write");
      return;
    }
  }

  setRoleLocal(room: string, userId: string, canWrite: boolean): void {
    this.changes += 1;
    const shared = this.docs.get(room);
    if (!shared) return;
    shared.roleChanges += 1;
    for (const conn of shared.conns.keys()) if (conn.userId === userId) conn.canWrite = canWrite;
  }

  /**
   * A member's role changed: their open connections follow at once, here and on every
   * node holding the doc (finding 8: a demoted editor kept writing for ~25–30 s, until
   * the periodic `refreshRoles`, which stays as the backstop).
   */
  setRole(sessionId: string, userId: string, canWrite: boolean): void {
    const room = yjsRoom(sessionId);
    this.setRoleLocal(room, userId, canWrite);
    this.sync()?.publish(room, { type: "role", userId, canWrite });
  }

  evict(sessionId: string, userId: string | null): void {
    const room = yjsRoom(sessionId);
    this.closeLocal(room, userId);
    this.sync()?.publish(room, { type: "evict", userId });
  }
}
