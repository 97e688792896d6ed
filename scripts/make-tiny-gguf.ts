/**
 * Writes a tiny GGUF model for tests: GGUF v3, `llama` architecture, two layers, F32
 * weights from a seeded PRNG, and a small SentencePiece-style vocabulary with the 256
 * byte tokens (so any text tokenizes) and ChatML control tokens (so the chat template
 * is one node-llama-cpp recognises). Node's standard library only; nothing is
 * downloaded. Its answers are gibberish, deterministically.
 *
 *   npx tsx scripts/make-tiny-gguf.ts <out.gguf> [seed]
 */
import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const ALIGN = 32;
const T = { UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9 } as const;

class Writer {
  private chunks: Buffer[] = [];
  length = 0;
  private push(b: Buffer) {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  bool(v: boolean) {
    this.push(Buffer.from([v ? 1 : 0]));
  }
  str(s: string) {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.push(b);
  }
  raw(b: Buffer) {
    this.push(b);
  }
  pad() {
    const rem = this.length % ALIGN;
    if (rem) this.push(Buffer.alloc(ALIGN - rem));
  }
  toBuffer() {
    return Buffer.concat(this.chunks);
  }
}

type Kv =
  | { t: "u32"; v: number }
  | { t: "f32"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "str"; v: string }
  | { t: "strs"; v: string[] }
  | { t: "f32s"; v: number[] }
  | { t: "i32s"; v: number[] };

function writeKv(w: Writer, key: string, kv: Kv) {
  w.str(key);
  switch (kv.t) {
    case "u32":
      w.u32(T.UINT32);
      w.u32(kv.v);
      break;
    case "f32":
      w.u32(T.FLOAT32);
      w.f32(kv.v);
      break;
    case "bool":
      w.u32(T.BOOL);
      w.bool(kv.v);
      break;
    case "str":
      w.u32(T.STRING);
      w.str(kv.v);
      break;
    case "strs":
      w.u32(T.ARRAY);
      w.u32(T.STRING);
      w.u64(kv.v.length);
      for (const s of kv.v) w.str(s);
      break;
    case "f32s":
      w.u32(T.ARRAY);
      w.u32(T.FLOAT32);
      w.u64(kv.v.length);
      for (const f of kv.v) w.f32(f);
      break;
    case "i32s":
      w.u32(T.ARRAY);
      w.u32(T.INT32);
      w.u64(kv.v.length);
      for (const i of kv.v) w.i32(i);
      break;
  }
}

/** mulberry32: a small seeded PRNG, so the same seed gives the same model. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The vocabulary: unk, bos, eos, ChatML markers, 256 byte tokens, then SentencePiece pieces. */
function vocabulary() {
  const tokens: string[] = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"];
  const types: number[] = [2, 3, 3, 3, 3];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(6);
  }
  const pieces = new Set<string>(["▁"]);
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?:;'\"-()\n";
  for (const c of chars) pieces.add(c);
  for (const c of "abcdefghijklmnopqrstuvwxyz") pieces.add(`▁${c}`);
  for (const w of [
    "▁the",
    "▁a",
    "▁is",
    "▁to",
    "▁and",
    "▁you",
    "▁I",
    "▁hello",
    "▁user",
    "▁assistant",
    "▁system",
  ]) {
    // Every prefix must be a piece too, so the SentencePiece merges can reach the word.
    for (let i = 2; i <= w.length; i++) pieces.add(w.slice(0, i));
  }
  const scores: number[] = tokens.map(() => 0);
  let score = -1;
  for (const p of pieces) {
    tokens.push(p);
    types.push(1);
    scores.push(score);
    score -= 0.01;
  }
  return { tokens, types, scores };
}

export interface TinyModelOptions {
  seed?: number;
  embd?: number;
  layers?: number;
  heads?: number;
  ff?: number;
  /**
   * `mean` marks the model an embedding model (`llama.pooling_type` = 1): llama.cpp then
   * averages the token states, as sentence-embedding GGUFs do. Default: unset (a chat model).
   */
  pooling?: "mean";
}

/** The GGUF bytes of a tiny random llama model. */
export function makeTinyGguf(opts: TinyModelOptions = {}): Buffer {
  const seed = opts.seed ?? 42;
  const nEmbd = opts.embd ?? 64;
  const nLayer = opts.layers ?? 2;
  const nHead = opts.heads ?? 4;
  const nFf = opts.ff ?? 128;
  const { tokens, types, scores } = vocabulary();
  const nVocab = tokens.length;
  const rand = prng(seed);
  const randn = () => (rand() + rand() + rand() - 1.5) * 0.8; // roughly N(0, 0.4)

  const tensors: { name: string; dims: number[]; data: Float32Array }[] = [];
  const weight = (name: string, dims: number[], scale: number) => {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = randn() * scale;
    tensors.push({ name, dims, data });
  };
  const ones = (name: string, n: number) =>
    tensors.push({ name, dims: [n], data: new Float32Array(n).fill(1) });

  // GGUF dims are innermost first: a [out, in] matrix is stored as dims [in, out].
  weight("token_embd.weight", [nEmbd, nVocab], 1);
  ones("output_norm.weight", nEmbd);
  weight("output.weight", [nEmbd, nVocab], 1 / Math.sqrt(nEmbd));
  for (let l = 0; l < nLayer; l++) {
    const s = 1 / Math.sqrt(nEmbd);
    ones(`blk.${l}.attn_norm.weight`, nEmbd);
    weight(`blk.${l}.attn_q.weight`, [nEmbd, nEmbd], s);
    weight(`blk.${l}.attn_k.weight`, [nEmbd, nEmbd], s);
    weight(`blk.${l}.attn_v.weight`, [nEmbd, nEmbd], s);
    weight(`blk.${l}.attn_output.weight`, [nEmbd, nEmbd], s);
    ones(`blk.${l}.ffn_norm.weight`, nEmbd);
    weight(`blk.${l}.ffn_gate.weight`, [nEmbd, nFf], s);
    weight(`blk.${l}.ffn_up.weight`, [nEmbd, nFf], s);
    weight(`blk.${l}.ffn_down.weight`, [nFf, nEmbd], 1 / Math.sqrt(nFf));
  }

  const chatTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  const kvs: [string, Kv][] = [
    ["general.architecture", { t: "str", v: "llama" }],
    ["general.name", { t: "str", v: "engunity-tiny-test" }],
    ["general.alignment", { t: "u32", v: ALIGN }],
    ["llama.context_length", { t: "u32", v: 2048 }],
    ["llama.embedding_length", { t: "u32", v: nEmbd }],
    ["llama.block_count", { t: "u32", v: nLayer }],
    ["llama.feed_forward_length", { t: "u32", v: nFf }],
    ["llama.attention.head_count", { t: "u32", v: nHead }],
    ["llama.attention.head_count_kv", { t: "u32", v: nHead }],
    ["llama.rope.dimension_count", { t: "u32", v: nEmbd / nHead }],
    ["llama.attention.layer_norm_rms_epsilon", { t: "f32", v: 1e-5 }],
    ["llama.vocab_size", { t: "u32", v: nVocab }],
    ...(opts.pooling === "mean"
      ? [["llama.pooling_type", { t: "u32", v: 1 }] as [string, Kv]]
      : []),
    ["tokenizer.ggml.model", { t: "str", v: "llama" }],
    ["tokenizer.ggml.tokens", { t: "strs", v: tokens }],
    ["tokenizer.ggml.scores", { t: "f32s", v: scores }],
    ["tokenizer.ggml.token_type", { t: "i32s", v: types }],
    ["tokenizer.ggml.unknown_token_id", { t: "u32", v: 0 }],
    ["tokenizer.ggml.bos_token_id", { t: "u32", v: 1 }],
    ["tokenizer.ggml.eos_token_id", { t: "u32", v: 4 }],
    ["tokenizer.ggml.add_bos_token", { t: "bool", v: true }],
    ["tokenizer.ggml.add_eos_token", { t: "bool", v: false }],
    ["tokenizer.chat_template", { t: "str", v: chatTemplate }],
  ];

  const w = new Writer();
  w.raw(Buffer.from("GGUF", "ascii"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kvs.length);
  for (const [k, v] of kvs) writeKv(w, k, v);
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(0); // GGML_TYPE_F32
    w.u64(offset);
    offsets.push(offset);
    offset += Math.ceil(t.data.byteLength / ALIGN) * ALIGN;
  }
  w.pad();
  for (const t of tensors) {
    w.raw(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad();
  }
  return w.toBuffer();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write("usage: tsx scripts/make-tiny-gguf.ts <out.gguf> [seed]\n");
    process.exit(2);
  }
  writeFileSync(out, makeTinyGguf({ seed: Number(process.argv[3] ?? 42) }));
  process.stdout.write(`wrote ${out}\n`);
}
