import type { Db } from "@engunity/db";
import { Op, QueryTypes } from "sequelize";
import * as Y from "yjs";

/** What a doc's rows hold right now: their merge, and the ids that went into it. */
export interface StoredDoc {
  update: Uint8Array | null;
  ids: number[];
}

/**
 * Yjs docs as binary update rows in the database. A doc is the merge of its rows.
 * Compaction inserts the merge of the rows it read and then deletes exactly those
 * rows, so two nodes compacting the same doc at once both keep everything (a Yjs
 * update applied twice is applied once).
 */
export class DocStore {
  constructor(
    private readonly db: Db,
    private readonly compactAfterRows: number,
  ) {}

  /** Reads every row of a doc and merges them. */
  async load(docName: string): Promise<StoredDoc> {
    const rows = await this.db.models.YjsUpdate.findAll({
      where: { docName },
      attributes: ["id", "data"],
      order: [["id", "ASC"]],
      raw: true,
    });
    if (rows.length === 0) return { update: null, ids: [] };
    const updates = rows.map((r) => new Uint8Array(r.data));
    return { update: Y.mergeUpdates(updates), ids: rows.map((r) => Number(r.id)) };
  }

  /**
   * Appends one update row; resolves once committed. A plain statement with the bytes
   * bound, not `YjsUpdate.create`: it runs for nearly every edit, and the model's
   * instance build, validation and query building cost more CPU than the INSERT
   * (issue 16). A deleted session still fails with ForeignKeyConstraintError.
   */
  async append(docName: string, sessionId: string | null, update: Uint8Array): Promise<void> {
    await this.db.sequelize.query(
      "INSERT INTO yjs_updates (doc_name, session_id, data, created_at) VALUES ($1, $2, $3, CURRENT_TIMESTAMP)",
      {
        type: QueryTypes.INSERT,
        bind: [
          docName,
          sessionId,
          Buffer.from(update.buffer, update.byteOffset, update.byteLength),
        ],
      },
    );
  }

  /** Whether a doc has grown enough rows to be worth merging. */
  needsCompaction(rowCount: number): boolean {
    return rowCount > this.compactAfterRows;
  }

  /**
   * Replaces the rows `stored.ids` by their merge `stored.update`: insert first, then
   * delete, in one transaction. Rows written meanwhile are not in `ids` and stay.
   */
  async compact(docName: string, sessionId: string | null, stored: StoredDoc): Promise<void> {
    if (!stored.update || stored.ids.length < 2) return;
    const merged = Buffer.from(stored.update);
    await this.db.transaction(async (transaction) => {
      await this.db.models.YjsUpdate.create({ docName, sessionId, data: merged }, { transaction });
      await this.db.models.YjsUpdate.destroy({
        where: { docName, id: { [Op.in]: stored.ids } },
        transaction,
      });
    });
  }
}
