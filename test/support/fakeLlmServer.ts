import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the next request gets instead of a normal stream. */
export type FakeFault =
  | { kind: "status"; status: number; retryAfter?: number; retryAfterMs?: number }
  /** Streams this many tokens, then destroys the connection without `[DONE]`. */
  | { kind: "cut"; afterTokens: number }
  /** Accepts the request and never answers (no headers, no first byte) until the client goes. */
  | { kind: "hang" }
  /** Sends the headers, then nothing (a model stuck before its first token). */
  | { kind: "stall" };

export interface FakeRequestRecord {
  path: string;
  body: {
    model?: string;
    messages?: { role: string; content: string }[];
    stream?: boolean;
    max_tokens?: number;
  };
  /** performance.now() when the request came in. */
  receivedAt: number;
  /** performance.now() when the first token was written, if any. */
  firstTokenAt?: number;
  /** performance.now() when each token was written (index = token index). */
  writtenAt: number[];
  status: number;
  /** The client went away before the answer ended (an abort). */
  aborted: boolean;
  tokensSent: number;
}

export interface FakeLlmServer {
  /** For groq-sdk (it appends `/openai/v1/...`). */
  groqBaseUrl: string;
  /** For the openai SDK (`.../v1`). */
  openaiBaseUrl: string;
  requests: FakeRequestRecord[];
  /** Faults applied to the next requests, one each, in order. */
  faults: FakeFault[];
  /** Tokens of every answer; the same each time so tests can compare. */
  tokens: string[];
  /** Delay between tokens (ms); 0 sends them back to back. */
  tokenIntervalMs: number;
  /**
   * Stepped: every token waits for `step()` instead of the clock, so a test that races
   * the stream decides exactly how many tokens are out. Off by default.
   */
  stepped: boolean;
  /** Releases `n` tokens of the stepped streams (kept for later if none is waiting). */
  step(n?: number): void;
  /** What `GET …/models` lists (OpenAI's list shape); `null` answers it with a 500. */
  models: string[] | null;
  /** Chat-completion requests only (not `/models`). */
  readonly completions: FakeRequestRecord[];
  /** Resolves when a request's client disconnects early (after a stop). */
  nextAbort(): Promise<FakeRequestRecord>;
  close(): Promise<void>;
}

/** The default answer: 40 numbered words. */
export function defaultTokens(n = 40): string[] {
  return Array.from({ length: n }, (_, i) => `w${i + 1} `);
}

/**
 * A loopback server speaking the chat-completions SSE protocol of Groq and OpenAI
 * (`data: {chunk}` lines, usage in the last chunk as Groq's `x_groq.usage` and
 * OpenAI's `usage`, then `data: [DONE]`), at a fixed token rate, with faults on demand:
 * an HTTP status (429 with `retry-after`, 5xx) or a stream cut mid-way.
 */
export async function startFakeLlmServer(
  opts: { tokens?: string[]; tokenIntervalMs?: number } = {},
): Promise<FakeLlmServer> {
  const abortWaiters: ((r: FakeRequestRecord) => void)[] = [];
  const state = {
    requests: [] as FakeRequestRecord[],
    faults: [] as FakeFault[],
    tokens: opts.tokens ?? defaultTokens(),
    tokenIntervalMs: opts.tokenIntervalMs ?? 0,
    models: ["fake-large", "fake-small"] as string[] | null,
    stepped: false,
  };
  let credits = 0;
  const stepWaiters: (() => void)[] = [];
  const step = (n = 1) => {
    for (let k = 0; k < n; k++) {
      const waiter = stepWaiters.shift();
      if (waiter) waiter();
      else credits++;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    const record: FakeRequestRecord = {
      receivedAt: performance.now(),
      path: req.url ?? "",
      body,
      status: 200,
      aborted: false,
      tokensSent: 0,
      writtenAt: [],
    };
    state.requests.push(record);
    if (req.method === "GET" && req.url?.endsWith("/models")) {
      const models = state.models;
      record.status = models ? 200 : 500;
      res.writeHead(record.status, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          models
            ? {
                object: "list",
                data: models.map((id) => ({ id, object: "model", created: 0, owned_by: "fake" })),
              }
            : { error: { message: "fake 500", type: "server_error" } },
        ),
      );
      return;
    }
    if (!req.url?.endsWith("/chat/completions")) {
      record.status = 404;
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "not found", type: "invalid_request_error" } }));
      return;
    }
    const fault = state.faults.shift();
    if (fault?.kind === "status") {
      record.status = fault.status;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      res.writeHead(fault.status, headers);
      res.end(
        JSON.stringify({
          error: {
            message: `fake ${fault.status}`,
            type: fault.status === 429 ? "rate_limit_exceeded" : "server_error",
          },
        }),
      );
      return;
    }
    if (fault?.kind === "hang") {
      res.on("close", () => {
        record.aborted = true;
        for (const w of abortWaiters.splice(0)) w(record);
      });
      return;
    }
    const model = body.model ?? "fake-model";
    const id = `chatcmpl-${state.requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finish: string | null, extra: object = {}) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...extra })}\n\n`;

    let closed = false;
    let onClosed = () => {};
    const closedEarly = new Promise<void>((r) => (onClosed = r));
    res.on("close", () => {
      if (!res.writableFinished) {
        closed = true;
        record.aborted = true;
        onClosed();
        for (const w of abortWaiters.splice(0)) w(record);
      }
    });
    const nextToken = async (i: number) => {
      if (state.stepped) {
        if (credits > 0) {
          credits--;
          return;
        }
        await Promise.race([new Promise<void>((r) => stepWaiters.push(r)), closedEarly]);
      } else if (state.tokenIntervalMs > 0 && i > 0)
        await new Promise((r) => setTimeout(r, state.tokenIntervalMs));
    };
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    res.write(chunk({ role: "assistant", content: "" }, null));
    if (fault?.kind === "stall") return;
    const limit = body.max_tokens
      ? Math.min(body.max_tokens, state.tokens.length)
      : state.tokens.length;
    for (let i = 0; i < limit; i++) {
      if (closed) return;
      if (fault?.kind === "cut" && i === fault.afterTokens) {
        res.destroy();
        return;
      }
      await nextToken(i);
      if (closed) return;
      if (i === 0) record.firstTokenAt = performance.now();
      const data = chunk({ content: state.tokens[i] }, null);
      // Before a cut, wait until the bytes are out, so the client surely got them first.
      if (fault?.kind === "cut") await new Promise((r) => res.write(data, r));
      else res.write(data);
      record.writtenAt.push(performance.now());
      record.tokensSent++;
    }
    const promptTokens = JSON.stringify(body.messages ?? []).length >> 2;
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: limit,
      total_tokens: promptTokens + limit,
    };
    res.write(
      chunk({}, limit < state.tokens.length ? "length" : "stop", { x_groq: { id, usage } }),
    );
    res.write(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
    );
    res.end("data: [DONE]\n\n");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    groqBaseUrl: base,
    openaiBaseUrl: `${base}/v1`,
    get requests() {
      return state.requests;
    },
    get completions() {
      return state.requests.filter((r) => r.path.endsWith("/chat/completions"));
    },
    get models() {
      return state.models;
    },
    set models(m) {
      state.models = m;
    },
    get faults() {
      return state.faults;
    },
    set faults(f) {
      state.faults = f;
    },
    get tokens() {
      return state.tokens;
    },
    set tokens(t) {
      state.tokens = t;
    },
    get tokenIntervalMs() {
      return state.tokenIntervalMs;
    },
    set tokenIntervalMs(ms) {
      state.tokenIntervalMs = ms;
    },
    get stepped() {
      return state.stepped;
    },
    set stepped(on) {
      state.stepped = on;
      // Off again: whatever waits for a step goes on at the clock's pace.
      if (!on) {
        credits = 0;
        for (const w of stepWaiters.splice(0)) w();
      }
    },
    step,
    nextAbort: () => new Promise((resolve) => abortWaiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
