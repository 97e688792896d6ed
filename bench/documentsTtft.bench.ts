/**
 * Does a big ingest delay answers? Time to first token of answers (send → first
 * `ai:delta`, loopback OpenAI-compatible model, embedded stack) with nothing else
 * running, then while a 300-page PDF is being indexed. Goal: ≤ 10 % slower (median).
 *
 *   npm run bench -- documentsTtft
 */
import { apiClient } from "../test/support/api";
import { makePdf, uploadFile } from "../test/support/documents";
import { startFakeLlmServer } from "../test/support/fakeLlmServer";
import { createTestStack } from "../test/support/node";
import { connectClient, emitAck, once } from "../test/support/sockets";
import { writeResult } from "./lib/results";
import { percentile, printTable } from "./lib/stats";

const ROUNDS = 12;
const llm = await startFakeLlmServer({ tokenIntervalMs: 2 });
const stack = await createTestStack("sqlite");
const node = await stack.startNode({
  OPENAI_BASE_URL: llm.openaiBaseUrl,
  AI_PROVIDER_ORDER: "openai",
  AI_RATE_PER_MINUTE: "1000",
});
const api = apiClient(node.url);
const alice = await api.register("alice");
const socket = await connectClient(node.url, alice.token);
const chat = (await api.post("/chat/sessions", {}, alice.token)).body.id;
const docs = (await api.post("/chat/sessions", {}, alice.token)).body.id;
for (const id of [chat, docs]) await emitAck(socket, "session:join", { sessionId: id });

let n = 0;
async function ttft(): Promise<number> {
  const t0 = performance.now();
  const first = once(socket, "ai:delta", (p) => p.sessionId === chat, 20_000);
  const done = once(socket, "ai:done", (p) => p.sessionId === chat, 20_000);
  await emitAck(socket, "message:send", {
    sessionId: chat,
    content: `question ${n}`,
    clientId: `q${n++}`,
  });
  await first;
  const ms = performance.now() - t0;
  await done;
  return ms;
}

for (let i = 0; i < 3; i++) await ttft(); // warm-up
const idle: number[] = [];
for (let i = 0; i < ROUNDS; i++) idle.push(await ttft());

const pages = Array.from({ length: 300 }, (_, p) =>
  Array.from(
    { length: 30 },
    (_, l) =>
      `Page ${p + 1}, line ${l + 1}: the committee reviewed clause ${p * 30 + l} of the policy.`,
  ),
);
const pdf = await makePdf(pages);
const busy: number[] = [];
const ready = once(
  socket,
  "document:progress",
  (p) => p.sessionId === docs && p.status !== "processing",
  300_000,
);
let indexed = false;
void ready.then(() => {
  indexed = true;
});
await uploadFile(node.url, alice.token, docs, "big.pdf", pdf);
while (!indexed && busy.length < ROUNDS) busy.push(await ttft());
await ready;
socket.close();
await stack.close();
await llm.close();

const med = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const rows = [
  {
    while: "nothing else",
    answers: idle.length,
    "p50 ms": med(idle).toFixed(1),
    "max ms": Math.max(...idle).toFixed(1),
  },
  {
    while: "300-page PDF ingesting",
    answers: busy.length,
    "p50 ms": med(busy).toFixed(1),
    "max ms": Math.max(...busy).toFixed(1),
  },
];
const ratio = med(busy) / med(idle);
printTable(
  `Time to first token during ingest: ${(ratio * 100 - 100).toFixed(1)} % (goal ≤ 10 %)`,
  rows,
);
writeResult("documentsTtft", { rows, ratio, busyDuringIngest: busy.length });
process.exit(0);
