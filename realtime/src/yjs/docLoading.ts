import type { Logger } from "@engunity/core";
import type { Db } from "@engunity/db";
import { ForeignKeyConstraintError } from "sequelize";
import * as Y from "yjs";
import { DocPersister } from "./DocPersister";
import type { DocStore } from "./docStore";
import type { DocSync } from "./redisDocSync";
import { FROM_SEED, FROM_STORE, type SharedDoc } from "./SharedDoc";

/** What loading and storing a doc needs. */
export interface DocLoadDeps {
  db: Db;
  store: DocStore;
  logger: Logger;
  onPersistFailure(): void;
}

/**
 * Loads a doc from its stored rows (compacting them when there are many), or seeds it
 * from the session's title when there are none, then asks peers for what they hold.
 */
export async function loadDoc(
  shared: SharedDoc,
  deps: DocLoadDeps,
  sync: DocSync | null,
): Promise<void> {
  const { room, sessionId } = shared;
  // Subscribe before reading, so nothing published after the read is missed. With
  // Redis down the doc still works on this node; the resync after Redis returns
  // subscribes it.
  await sync?.subscribe(room).catch((err: Error) => {
    shared.unsubscribed = true;
    deps.logger.warn(
      { err: err.message, room },
      "yjs subscribe failed; doc is local until Redis returns",
    );
  });
  const stored = await deps.store.load(room);
  shared.persister = new DocPersister(deps.store, room, sessionId, stored.ids.length, deps);
  if (stored.update) {
    Y.applyUpdate(shared.doc, stored.update, FROM_STORE);
    if (deps.store.needsCompaction(stored.ids.length)) {
      void deps.store
        .compact(room, sessionId, stored)
        .catch((err) => deps.logger.warn({ err: err.message, room }, "yjs compaction failed"));
    }
  } else {
    await seedTitle(shared, deps.db);
  }
  sync?.publish(room, { type: "syncRequest", stateVector: Y.encodeStateVector(shared.doc) });
}

/**
 * A doc with no rows yet starts from the session's title. Made by a client id
 * derived from session and title, so two nodes seeding at once make the very same
 * insert, which Yjs merges into one. Seeds of two different titles (a rename between
 * the two reads) both reach each node as a peer's update, which the mirror writes.
 */
async function seedTitle(shared: SharedDoc, db: Db): Promise<void> {
  const session = await db.models.ChatSession.findByPk(shared.sessionId, {
    attributes: ["id", "title"],
  });
  const title = session?.title ?? "";
  if (!title) return;
  const seed = new Y.Doc();
  seed.clientID = seedClientId(`${shared.sessionId}\u0000${title}`);
  seed.getText("title").insert(0, title);
  // Stored and sent to peers like a server edit; the title mirror skips it (the column
  // holds it already), which saves an UPDATE per load of a doc with no rows.
  Y.applyUpdate(shared.doc, Y.encodeStateAsUpdate(seed), FROM_SEED);
  seed.destroy();
}

/**
 * Peers store their own updates; if one died before storing, its update lives on
 * only here. Before letting go, store whatever the database lacks.
 */
export async function storeWhatPeersMade(shared: SharedDoc, store: DocStore): Promise<void> {
  if (shared.persister.isDiscarded) return;
  const rows = await store.load(shared.room);
  const storedDoc = new Y.Doc();
  if (rows.update) Y.applyUpdate(storedDoc, rows.update);
  if (!Y.equalSnapshots(Y.snapshot(storedDoc), Y.snapshot(shared.doc))) {
    const missing = Y.encodeStateAsUpdate(shared.doc, Y.encodeStateVector(storedDoc));
    try {
      await store.append(shared.room, shared.sessionId, missing);
    } catch (err) {
      // The session was deleted meanwhile: nothing left to store the doc under.
      if (!(err instanceof ForeignKeyConstraintError)) throw err;
      shared.persister.discard();
    }
  }
  storedDoc.destroy();
}

/** FNV-1a, as a Yjs client id (a uint32). */
function seedClientId(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
