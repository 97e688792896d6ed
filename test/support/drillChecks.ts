import type { Message } from "@engunity/shared";
import { yjsRoom } from "@engunity/shared";
import * as Y from "yjs";
import { ChatClient, seeded, YjsEditor } from "./drillClients";
import type { ProductionStack } from "./productionStack";
import { waitFor } from "./sockets";

/** One session under drill: its members' chat clients and co-editors, all through nginx. */
export interface DrillWorld {
  sessionId: string;
  clients: ChatClient[];
  editors: YjsEditor[];
  close(): void;
}

export interface DrillUser {
  token: string;
  username: string;
}

/**
 * A session owned by `users[0]` with the others as editors; one chat client per user and
 * `editors` Yjs co-editors (cycling over the users), every one connected through nginx.
 */
export async function openWorld(
  stack: ProductionStack,
  users: DrillUser[],
  opts: { title: string; editors?: number; transports?: ("websocket" | "polling")[] },
): Promise<DrillWorld> {
  const owner = users[0]!;
  const created = await stack.api.post("/chat/sessions", { title: opts.title }, owner.token);
  if (created.status !== 201) throw new Error(`session: ${created.status} ${created.text}`);
  const sessionId = created.body.id as string;
  for (const u of users.slice(1)) {
    const res = await stack.api.post(
      `/chat/${sessionId}/members`,
      { username: u.username, role: "editor" },
      owner.token,
    );
    if (res.status >= 300) throw new Error(`member: ${res.status} ${res.text}`);
  }
  const clients = users.map(
    (u) => new ChatClient(stack.url, stack.api, u.token, sessionId, opts.transports),
  );
  const editors = Array.from(
    { length: opts.editors ?? 0 },
    (_, i) => new YjsEditor(stack.url, stack.api, users[i % users.length]!.token, sessionId),
  );
  await Promise.all([...clients.map((c) => c.ready()), ...editors.map((e) => e.synced())]);
  return {
    sessionId,
    clients,
    editors,
    close() {
      for (const c of clients) c.close();
      for (const e of editors) e.destroy();
    },
  };
}

/**
 * Time until the layout works again end to end: one client's send is acknowledged and
 * every client shows it (live, or through its re-join after a reconnect).
 */
export async function probe(world: DrillWorld, label: string, timeoutMs = 30_000): Promise<void> {
  const sender = world.clients[0]!;
  const { id } = await sender.send(`probe ${label}`, false, timeoutMs);
  await waitFor(
    () => world.clients.every((c) => c.messages.has(id)),
    `every client to show probe ${label}`,
    timeoutMs,
  );
}

interface Row {
  id: string;
  client_id: string | null;
  content: string;
  status: string;
  role: string;
  /** An answer's stored error (metadata.error), to say why it ended so. */
  error: string | null;
}

/**
 * The "nothing lost" check of every drill. Returns the problems found (empty = pass):
 * no answer left `streaming`; every acknowledged send in the database exactly once;
 * every answer asked for final (`complete`, or also `error` where `allowErrors`);
 * every client's view equal to the database; every streamed rendering equal to the
 * stored answer (a prefix of it for a client that reconnected meanwhile and took the
 * rest from `ai:done`), a gap filled by `ai:resume` as the web app does; every Yjs copy and the stored doc identical.
 */
export async function nothingLost(
  stack: ProductionStack,
  world: DrillWorld,
  opts: { allowErrors?: boolean; timeoutMs?: number } = {},
): Promise<string[]> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const problems: string[] = [];
  const rows = async () =>
    (
      await stack.pg.query<Row>(
        "SELECT id, client_id, content, status, role, metadata->>'error' AS error FROM chat_messages WHERE session_id = $1",
        [world.sessionId],
      )
    ).rows;
  await waitFor(
    async () => (await rows()).every((r) => r.status !== "streaming"),
    "no answer left streaming",
    timeoutMs,
  ).catch(() => problems.push("an answer stayed streaming"));
  const stored = await rows();
  const byId = new Map(stored.map((r) => [r.id, r]));

  for (const c of world.clients) {
    for (const [clientId, id] of c.acked) {
      const copies = stored.filter((r) => r.client_id === clientId);
      if (copies.length !== 1 || copies[0]!.id !== id)
        problems.push(`acknowledged send ${clientId} stored ${copies.length} times`);
    }
    for (const g of c.generations) {
      const row = byId.get(g);
      const ok = row?.status === "complete" || (opts.allowErrors && row?.status === "error");
      if (!ok)
        problems.push(
          `answer ${g} ended ${row?.status ?? "missing"}${row?.error ? ` (${row.error})` : ""}`,
        );
    }
  }

  const viewMatches = (c: ChatClient) =>
    c.messages.size === stored.length &&
    stored.every((r) => {
      const m: Message | undefined = c.messages.get(r.id);
      return m?.content === r.content && m.status === r.status;
    });
  await waitFor(() => world.clients.every(viewMatches), "views equal to the db", timeoutMs).catch(
    () => {
      for (const [i, c] of world.clients.entries()) {
        if (viewMatches(c)) continue;
        const missing = stored.filter((r) => !c.messages.has(r.id)).length;
        const differ = stored.filter((r) => {
          const m = c.messages.get(r.id);
          return m && (m.content !== r.content || m.status !== r.status);
        }).length;
        problems.push(
          `client ${i} view differs from the db: ${missing} missing, ${differ} different, ${c.messages.size} shown / ${stored.length} stored`,
        );
      }
    },
  );

  for (const [i, c] of world.clients.entries()) {
    for (const [id, g] of c.viewer.gens) {
      const row = byId.get(id);
      if (!g.done || !row || row.status !== "complete" || g.lastSeq === 0) continue;
      // A client that stayed connected rendered every batch; one that reconnected may
      // have taken the rest from `ai:done` (as the web app does), but what it rendered
      // from batches must be the start of the answer: nothing doubled, nothing skipped.
      const rendered =
        c.disconnects === 0 ? g.text === row.content : row.content.startsWith(g.text);
      if (!rendered)
        problems.push(
          `client ${i} rendered answer ${id} differently: ${g.text.length} of ${row.content.length} chars, epoch ${g.epoch}, ${g.resets} resets, ${g.dropped} dropped`,
        );
    }
  }

  if (world.editors.length) {
    const same = () => {
      const first = world.editors[0]!;
      const sv = Buffer.from(Y.encodeStateVector(first.doc)).toString("base64");
      return world.editors.every(
        (e) =>
          e.draft() === first.draft() &&
          Buffer.from(Y.encodeStateVector(e.doc)).toString("base64") === sv,
      );
    };
    await waitFor(same, "yjs copies equal", timeoutMs).catch(() =>
      problems.push("the yjs copies differ"),
    );
    const storedDraft = async () => {
      const res = await stack.pg.query<{ data: Buffer }>(
        "SELECT data FROM yjs_updates WHERE doc_name = $1",
        [yjsRoom(world.sessionId)],
      );
      const doc = new Y.Doc();
      if (res.rows.length)
        Y.applyUpdate(doc, Y.mergeUpdates(res.rows.map((r) => new Uint8Array(r.data))));
      return doc.getText("draft").toString();
    };
    await waitFor(
      async () => (await storedDraft()) === world.editors[0]!.draft(),
      "stored yjs doc equal to the copies",
      timeoutMs,
    ).catch(() => problems.push("the stored yjs doc differs from the copies"));
  }
  return problems;
}

/** Steady traffic on a world until `stop()`: senders, AI askers, Yjs editors (viewers just watch). */
export function steadyLoad(
  world: DrillWorld,
  opts: {
    senders: number;
    askers: number;
    sendEveryMs: number;
    askEveryMs: number;
    editEveryMs: number;
    seed?: number;
  },
): { stop(): Promise<{ sent: number; asked: number; edits: number; errors: string[] }> } {
  let running = true;
  let sent = 0;
  let asked = 0;
  let edits = 0;
  const errors: string[] = [];
  const rand = seeded(opts.seed ?? 17);
  const loop = async (client: ChatClient, ai: boolean, everyMs: number) => {
    while (running) {
      try {
        await client.send(ai ? `@ai question ${asked}` : `message ${sent}`, ai);
        if (ai) asked++;
        else sent++;
      } catch (err) {
        errors.push((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  };
  const loops = [
    ...world.clients.slice(0, opts.senders).map((c) => loop(c, false, opts.sendEveryMs)),
    ...world.clients
      .slice(opts.senders, opts.senders + opts.askers)
      .map((c) => loop(c, true, opts.askEveryMs)),
  ];
  const editTimer = setInterval(() => {
    for (const [i, e] of world.editors.entries()) {
      e.edit(rand, `${i}`);
      edits++;
    }
  }, opts.editEveryMs);
  return {
    async stop() {
      running = false;
      clearInterval(editTimer);
      await Promise.all(loops);
      return { sent, asked, edits, errors };
    },
  };
}
