import { describe, expect, it } from "vitest";
import { createJoinSnapshots, type JoinSnapshot } from "./joinSnapshots";

/** A loader whose reads the test resolves by hand, counting them. */
function manualLoader() {
  const reads: { sessionId: string; resolve: (s: JoinSnapshot | null) => void }[] = [];
  const load = (sessionId: string) =>
    new Promise<JoinSnapshot | null>((resolve) => reads.push({ sessionId, resolve }));
  return { reads, load };
}
const snapshot = (memberCount: number) =>
  ({ session: {}, messages: [], members: [], memberCount }) as unknown as JoinSnapshot;

describe("join snapshots", () => {
  it("joiners of a room share one read, in flight or done", async () => {
    const { reads, load } = manualLoader();
    const snapshots = createJoinSnapshots(load);
    const first = snapshots.get("s");
    const second = snapshots.get("s");
    expect(reads).toHaveLength(1);
    reads[0]!.resolve(snapshot(2));
    expect(await first).toEqual(snapshot(2));
    expect(await second).toEqual(snapshot(2));
    expect(await snapshots.get("s")).toEqual(snapshot(2));
    expect(reads).toHaveLength(1);
  });

  it("a change drops the snapshot, and a read in flight is not kept or shared after it", async () => {
    const { reads, load } = manualLoader();
    const snapshots = createJoinSnapshots(load);
    const before = snapshots.get("s");
    snapshots.changed("s");
    const after = snapshots.get("s");
    expect(reads).toHaveLength(2);
    reads[0]!.resolve(snapshot(1));
    reads[1]!.resolve(snapshot(2));
    expect(await before).toEqual(snapshot(1));
    expect(await after).toEqual(snapshot(2));
    expect(await snapshots.get("s")).toEqual(snapshot(2));
    expect(reads).toHaveLength(2);
    // Rooms are apart.
    snapshots.changed("other");
    expect(await snapshots.get("s")).toEqual(snapshot(2));
  });

  it("a missing session or a failed read is not kept; an old snapshot is read again", async () => {
    let clock = 0;
    const { reads, load } = manualLoader();
    const snapshots = createJoinSnapshots(load, { ttlMs: 1000, now: () => clock });
    const gone = snapshots.get("s");
    reads[0]!.resolve(null);
    expect(await gone).toBeNull();
    const again = snapshots.get("s");
    expect(reads).toHaveLength(2);
    reads[1]!.resolve(snapshot(3));
    await again;
    clock = 999;
    await snapshots.get("s");
    expect(reads).toHaveLength(2);
    clock = 1000;
    void snapshots.get("s");
    expect(reads).toHaveLength(3);

    const failing = createJoinSnapshots(() => Promise.reject(new Error("db down")));
    await expect(failing.get("s")).rejects.toThrow("db down");
    await expect(failing.get("s")).rejects.toThrow("db down");
  });
});
