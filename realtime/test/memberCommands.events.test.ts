import { presenceFullRoom, sessionRoom, userRoom } from "@engunity/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../test/support/api";
import { createTestStack, type TestStack } from "../../test/support/node";
import type { RealtimeNode } from "../src";
import { publish } from "../src/announce";
import {
  addSessionMember,
  changeSessionMemberRole,
  removeSessionMember,
} from "../src/commands/memberCommands";
import type { AppContext } from "../src/context";

/** Everything a context can announce through, recorded instead of sent. */
function recordingContext(base: AppContext) {
  const calls: unknown[][] = [];
  const emitter = {
    to: (...rooms: unknown[]) => ({
      emit: (name: string, payload: unknown) => {
        calls.push(["emit", rooms.flat(), name, payload]);
        return true;
      },
    }),
  };
  const ctx: AppContext = {
    ...base,
    emitter: emitter as unknown as AppContext["emitter"],
    watch: (sessionId, userId) => void calls.push(["watch", sessionId, userId]),
    evict: (sessionId, userId) => void calls.push(["evict", sessionId, userId]),
    roleChanged: (sessionId, userId, canWrite) =>
      void calls.push(["roleChanged", sessionId, userId, canWrite]),
  };
  return { ctx, calls };
}

/** Commands write and return their events; only `publish` announces them. */
describe("member commands return events and announce nothing", () => {
  let stack: TestStack;
  let node: RealtimeNode;
  let api: ApiClient;

  beforeAll(async () => {
    stack = await createTestStack("postgres", { worker: false });
    node = await stack.startNode();
    api = apiClient(node.url);
  });
  afterAll(() => stack?.close());

  it("add, change role, remove: the rows change, the events come back, nothing is sent until published", async () => {
    const owner = await api.register("olga");
    const bob = await api.register("bob");
    const sessionId = (await api.post("/chat/sessions", { title: "Plans" }, owner.token)).body
      .id as string;
    const model = (await node.ctx.db.models.User.findByPk(owner.user.id))!;
    const me = { id: owner.user.id, model };
    const { ctx, calls } = recordingContext(node.ctx);
    const isMember = async () =>
      (await node.ctx.db.models.SessionMember.findOne({
        where: { sessionId, userId: bob.user.id },
      })) !== null;

    const added = await addSessionMember(ctx, me, sessionId, { username: "bob", role: "editor" });
    expect(added.result).toEqual({ status: "added", userId: bob.user.id });
    expect(added.events).toEqual([
      {
        type: "membership.changed",
        userId: bob.user.id,
        notice: expect.objectContaining({
          type: "added",
          session: { id: sessionId, title: "Plans" },
          role: "editor",
        }),
      },
      { type: "member.joined", sessionId, userId: bob.user.id },
      { type: "members.updated", sessionId },
    ]);
    expect(await isMember()).toBe(true);

    const changed = await changeSessionMemberRole(ctx, sessionId, bob.user.id, "viewer");
    expect(changed).toEqual([
      { type: "member.roleChanged", sessionId, userId: bob.user.id, role: "viewer" },
      { type: "members.updated", sessionId },
    ]);

    const removed = await removeSessionMember(ctx, me, sessionId, bob.user.id);
    expect(removed.map((e) => e.type)).toEqual([
      "member.removed",
      "membership.changed",
      "members.updated",
    ]);
    expect(await isMember()).toBe(false);

    // A command that announced itself would have left calls here.
    expect(calls).toEqual([]);

    // Published, the same events reach the rooms and connections, in order.
    await publish(ctx, removed);
    expect(calls.map((c) => c.slice(0, 3))).toEqual([
      ["evict", sessionId, bob.user.id],
      ["emit", [userRoom(bob.user.id)], "membership"],
      ["emit", [sessionRoom(sessionId), presenceFullRoom(sessionId)], "member:updated"],
      ["emit", [presenceFullRoom(sessionId)], "member:updated"],
    ]);
  });
});
