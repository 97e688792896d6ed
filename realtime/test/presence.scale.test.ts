import { signAccessToken } from "@engunity/core";
import type { Db } from "@engunity/db";
import {
  type JoinAck,
  LIMITS,
  type PresenceJoin,
  type PresenceLeave,
  type User,
} from "@engunity/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStack, type TestStack } from "../../test/support/node";
import { type ClientSocket, connectClient, emitAck, waitFor } from "../../test/support/sockets";
import type { RealtimeNode } from "../src";

/**
 * Presence that scales (issue 16): a join ack of constant size, and presence events
 * that cost each socket a page, not the room. A mirror of what a client keeps (the
 * web client's reducer in miniature): the ack's page, then `presence:join`/`leave`
 * with a higher seq (those that arrive before the ack are held back until it).
 */
class PresenceMirror {
  ids = new Set<string>();
  count = 0;
  seq = 0;
  private based = false;
  private held: [kind: "join" | "leave", e: PresenceJoin | PresenceLeave][] = [];

  constructor(socket: ClientSocket) {
    socket.on("presence:join", (e) => this.apply("join", e));
    socket.on("presence:leave", (e) => this.apply("leave", e));
  }

  fromAck(ack: JoinAck): void {
    this.ids = new Set(ack.presence.map((u) => u.id));
    this.count = ack.presenceCount;
    this.seq = ack.presenceSeq;
    this.based = true;
    for (const [kind, e] of this.held.splice(0)) this.apply(kind, e);
  }

  private apply(kind: "join" | "leave", e: PresenceJoin | PresenceLeave): void {
    if (!this.based) {
      this.held.push([kind, e]);
      return;
    }
    if (e.seq <= this.seq) return;
    this.seq = e.seq;
    this.count = e.count;
    if (kind === "join") for (const u of (e as PresenceJoin).users) this.ids.add(u.id);
    else for (const id of (e as PresenceLeave).userIds) this.ids.delete(id);
  }
}

/** Members straight into the database with tokens (no password hashing, no rate limits). */
async function makeUsers(db: Db, secret: string, n: number, prefix: string) {
  const users = await db.models.User.bulkCreate(
    Array.from({ length: n }, (_, i) => ({
      username: `${prefix}${i}`,
      email: `${prefix}${i}@scale.test`,
      hashedPassword: "unusable",
      fullName: `${prefix} ${i}`,
    })),
  );
  const logins = await db.models.LoginSession.bulkCreate(
    users.map((u) => ({
      userId: u.id,
      device: "test",
      ip: null,
      expiresAt: new Date(Date.now() + 3_600_000),
      lastSeenAt: new Date(),
    })),
  );
  return users.map((u, i) => ({
    id: u.id,
    token: signAccessToken(secret, u.id, 60, { jti: logins[i]!.id }),
  }));
}

async function makeSession(db: Db, userIds: string[]): Promise<string> {
  const session = await db.models.ChatSession.create({
    userId: userIds[0]!,
    title: "crowd",
    settings: {},
  });
  await db.models.SessionMember.bulkCreate(
    userIds.map((userId, i) => ({
      sessionId: session.id,
      userId,
      role: i === 0 ? ("owner" as const) : ("editor" as const),
    })),
  );
  return session.id;
}

/** Counts every byte the socket receives from here on (Engine.IO packets). */
function countBytes(socket: ClientSocket): { bytes: number } {
  const counter = { bytes: 0 };
  socket.io.engine.on("packet", (packet: { data?: unknown }) => {
    const d = packet.data;
    counter.bytes +=
      typeof d === "string" ? Buffer.byteLength(d) : d instanceof ArrayBuffer ? d.byteLength : 0;
  });
  return counter;
}

async function inBatches<T, R>(items: T[], size: number, fn: (t: T, i: number) => Promise<R>) {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map((t, k) => fn(t, i + k)))));
  }
  return out;
}

const sameSet = (a: Iterable<string>, b: Iterable<string>) => {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

describe("a join storm on one node", () => {
  let stack: TestStack;
  let node: RealtimeNode;
  beforeAll(async () => {
    stack = await createTestStack("sqlite", { worker: false });
    node = await stack.startNode();
  });
  afterAll(() => stack?.close());

  /** N sockets of N members join one room at once; what each socket received. */
  async function storm(n: number) {
    const users = await makeUsers(node.ctx.db, stack.env.SECRET_KEY!, n, `storm${n}_`);
    const sessionId = await makeSession(
      node.ctx.db,
      users.map((u) => u.id),
    );
    const clients = await inBatches(users, 25, async (u) => {
      const socket = await connectClient(node.url, u.token);
      return { socket, bytes: countBytes(socket), mirror: new PresenceMirror(socket) };
    });
    const ackBytes: number[] = [];
    try {
      await inBatches(clients, 40, async (c) => {
        const ack = await emitAck(c.socket, "session:join", { sessionId }, 30_000);
        expect(ack.ok).toBe(true);
        ackBytes.push(JSON.stringify(ack).length);
        c.mirror.fromAck(ack);
      });
      await waitFor(
        () => clients.every((c) => c.mirror.count === n),
        `every socket counting ${n} people here`,
        60_000,
      );
      const everyone = new Set(users.map((u) => u.id));
      for (const c of clients) {
        // A page of people, all of them present; the count says how many in all.
        expect(c.mirror.ids.size).toBe(Math.min(n, LIMITS.peoplePage));
        for (const id of c.mirror.ids) expect(everyone.has(id)).toBe(true);
      }
      const received = clients.map((c) => c.bytes.bytes).sort((a, b) => a - b);
      // The ack once everyone is here: full pages of members and of people here. A storm's
      // acks hold whoever was in when each joined, so their largest depends on timing; this
      // one does not, and bounds them all.
      const settled = await emitAck(clients[0]!.socket, "session:join", { sessionId }, 30_000);
      expect(settled.ok).toBe(true);
      const fullAck = JSON.stringify(settled).length;
      expect(Math.max(...ackBytes)).toBeLessThanOrEqual(fullAck * 1.02);
      return {
        maxBytes: received[received.length - 1]!,
        medianBytes: received[Math.floor(received.length / 2)]!,
        maxAck: Math.max(...ackBytes),
        fullAck,
      };
    } finally {
      for (const c of clients) c.socket.close();
    }
  }

  it("costs each socket bounded bytes as N doubles (acks and presence alike)", async () => {
    const small = await storm(60);
    const large = await storm(120);
    console.log(
      `[presence.scale] bytes per socket: N=60 max ${small.maxBytes} median ${small.medianBytes} ack ${small.maxAck} (full ${small.fullAck}); ` +
        `N=120 max ${large.maxBytes} median ${large.medianBytes} ack ${large.maxAck} (full ${large.fullAck})`,
    );
    // Full lists would make the ack grow 2x and presence 4x with each doubling; pages keep
    // the full ack the same size (its names are one character longer at N=120).
    expect(large.fullAck).toBeLessThan(small.fullAck * 1.1);
    expect(large.maxBytes).toBeLessThan(small.maxBytes * 1.5);
    expect(large.medianBytes).toBeLessThan(small.medianBytes * 1.5);
  }, 180_000);

  it("pages further members and people on demand", async () => {
    const n = LIMITS.peoplePage + 10;
    const users = await makeUsers(node.ctx.db, stack.env.SECRET_KEY!, n, "pages_");
    const sessionId = await makeSession(
      node.ctx.db,
      users.map((u) => u.id),
    );
    const sockets = await inBatches(users.slice(0, 3), 3, (u) => connectClient(node.url, u.token));
    try {
      for (const s of sockets) await emitAck(s, "session:join", { sessionId });
      const ack = await emitAck(sockets[0]!, "session:join", { sessionId });
      expect(ack.members).toHaveLength(LIMITS.peoplePage);
      expect(ack.memberCount).toBe(n);
      const rest = await emitAck(sockets[0]!, "session:members", {
        sessionId,
        offset: LIMITS.peoplePage,
      });
      expect(rest.memberCount).toBe(n);
      const all = [...ack.members, ...rest.members].map((m: { user: User }) => m.user.id);
      expect(
        sameSet(
          all,
          users.map((u) => u.id),
        ),
      ).toBe(true);
      await waitFor(async () => {
        const p = await emitAck(sockets[0]!, "session:presence", { sessionId, limit: 2 });
        return p.presenceCount === 3 && p.users.length === 2;
      }, "three people here, two on a page of two");
      const bad = await emitAck(sockets[0]!, "session:members", { sessionId, limit: 10_000 });
      expect(bad.error.code).toBe("validation_failed");
      // Not a member: the session does not exist for them.
      const [outsider] = await makeUsers(node.ctx.db, stack.env.SECRET_KEY!, 1, "outsider_");
      const o = await connectClient(node.url, outsider!.token);
      sockets.push(o);
      expect((await emitAck(o, "session:presence", { sessionId })).error.code).toBe("not_found");
    } finally {
      for (const s of sockets) s.close();
    }
  });
});

describe("incremental presence across two nodes", () => {
  let stack: TestStack;
  let nodeA: RealtimeNode;
  let nodeB: RealtimeNode;
  beforeAll(async () => {
    stack = await createTestStack("postgres", { redis: true, worker: false });
    nodeA = await stack.startNode();
    nodeB = await stack.startNode();
  });
  afterAll(() => stack?.close());

  it("joins, leaves, disconnects and a node going away end at the full list", async () => {
    const secret = stack.env.SECRET_KEY!;
    const users = await makeUsers(nodeA.ctx.db, secret, 12, "inc_");
    const sessionId = await makeSession(
      nodeA.ctx.db,
      users.map((u) => u.id),
    );
    const [obsA, obsB, fullA, fullB, ...people] = users as [
      (typeof users)[0],
      (typeof users)[0],
      (typeof users)[0],
      (typeof users)[0],
      ...(typeof users)[0][],
    ];
    const nodeC = await stack.startNode();
    const open: ClientSocket[] = [];
    const connect = async (url: string, token: string) => {
      const s = await connectClient(url, token);
      open.push(s);
      return s;
    };
    try {
      const mirrors: PresenceMirror[] = [];
      for (const [u, url] of [
        [obsA, nodeA.url],
        [obsB, nodeB.url],
      ] as const) {
        const s = await connect(url, u.token);
        const m = new PresenceMirror(s);
        m.fromAck(await emitAck(s, "session:join", { sessionId }));
        mirrors.push(m);
      }
      const latestFull: Set<string>[] = [];
      for (const [u, url] of [
        [fullA, nodeA.url],
        [fullB, nodeB.url],
      ] as const) {
        const s = await connect(url, u.token);
        const k = latestFull.length;
        s.on("presence", (e) => {
          latestFull[k] = new Set(e.users.map((x) => x.id));
        });
        const ack = await emitAck(s, "session:join", { sessionId, presence: "full" });
        latestFull[k] ??= new Set(ack.presence.map((x: User) => x.id));
      }
      // Eight people over three nodes, two sockets for one of them.
      const urls = [nodeA.url, nodeB.url, nodeC.url];
      const sockets = await Promise.all(people.map((p, i) => connect(urls[i % 3]!, p.token)));
      await Promise.all(sockets.map((s) => emitAck(s, "session:join", { sessionId })));
      const second = await connect(nodeA.url, people[1]!.token); // people[1] is on B too
      await emitAck(second, "session:join", { sessionId });

      const expectEveryone = async (ids: string[], what: string) => {
        await waitFor(
          () =>
            mirrors.every((m) => sameSet(m.ids, ids) && m.count === ids.length) &&
            latestFull.every((f) => f && sameSet(f, ids)),
          what,
          15_000,
        );
      };
      const watchers = [obsA.id, obsB.id, fullA.id, fullB.id];
      await expectEveryone([...watchers, ...people.map((p) => p.id)], "everyone here");

      // A leave, a disconnect, a user with a socket left on another node.
      await emitAck(sockets[0]!, "session:leave", { sessionId });
      sockets[3]!.close();
      sockets[1]!.close(); // people[1] still has `second` on node A
      const gone = new Set([people[0]!.id, people[3]!.id]);
      await expectEveryone(
        [...watchers, ...people.filter((p) => !gone.has(p.id)).map((p) => p.id)],
        "after a leave and disconnects",
      );

      // Node C goes away with its sockets (people 2 and 5; people 8 would be past the list).
      const onC = people.filter((_, i) => i % 3 === 2).map((p) => p.id);
      await nodeC.close();
      stack.nodes.splice(stack.nodes.indexOf(nodeC), 1);
      for (const id of onC) gone.add(id);
      await expectEveryone(
        [...watchers, ...people.filter((p) => !gone.has(p.id)).map((p) => p.id)],
        "after node C went away",
      );
    } finally {
      for (const s of open) s.close();
    }
  }, 60_000);
});
