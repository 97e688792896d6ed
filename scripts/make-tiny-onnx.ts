/**
 * Writes a tiny BERT-shaped ONNX embedding model folder for tests, in the layout
 * transformers.js loads offline: `config.json`, `tokenizer.json` (WordPiece, BERT
 * normaliser and pre-tokeniser, [CLS] … [SEP] template), `tokenizer_config.json` and
 * `onnx/model.onnx`. The graph is `last_hidden_state = tanh(Gather(E, input_ids) · W) ·
 * attention_mask` with seeded random weights; transformers.js mean-pools and
 * normalises it. The vocabulary has common English words, then letters and letter
 * pairs as word pieces, so any text tokenises and texts sharing words embed close.
 * The ONNX protobuf is encoded here by hand (field numbers from onnx/onnx.proto);
 * Node's standard library only, nothing is downloaded.
 *
 *   npx tsx scripts/make-tiny-onnx.ts <out-dir> [seed]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/** Protobuf wire format: varints, and length-delimited fields (strings, bytes, messages). */
class Proto {
  private parts: Buffer[] = [];
  private varint(v: number | bigint) {
    let n = BigInt(v);
    if (n < 0n) n += 1n << 64n; // int64 negatives are ten-byte varints
    const bytes: number[] = [];
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      bytes.push(b);
    } while (n > 0n);
    this.parts.push(Buffer.from(bytes));
  }
  int(field: number, v: number | bigint): this {
    this.varint((field << 3) | 0);
    this.varint(v);
    return this;
  }
  bytes(field: number, b: Buffer | Proto | string): this {
    const buf = b instanceof Proto ? b.toBuffer() : typeof b === "string" ? Buffer.from(b) : b;
    this.varint((field << 3) | 2);
    this.varint(buf.length);
    this.parts.push(buf);
    return this;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const FLOAT = 1;
const INT64 = 7;

/** TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian). */
function tensor(name: string, dims: number[], dataType: number, raw: Buffer): Proto {
  const t = new Proto();
  for (const d of dims) t.int(1, d);
  return t.int(2, dataType).bytes(8, name).bytes(9, raw);
}

/** ValueInfoProto{name = 1, type = 2: TypeProto{tensor_type = 1: {elem_type = 1, shape = 2}}}. */
function valueInfo(name: string, elemType: number, dims: (number | string)[]): Proto {
  const shape = new Proto();
  for (const d of dims) {
    const dim = new Proto();
    if (typeof d === "number") dim.int(1, d);
    else dim.bytes(2, d);
    shape.bytes(1, dim);
  }
  const tensorType = new Proto().int(1, elemType).bytes(2, shape);
  return new Proto().bytes(1, name).bytes(2, new Proto().bytes(1, tensorType));
}

/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5. */
function node(op: string, inputs: string[], outputs: string[], attrs: Proto[] = []): Proto {
  const n = new Proto();
  for (const i of inputs) n.bytes(1, i);
  for (const o of outputs) n.bytes(2, o);
  n.bytes(3, `${op}_${outputs[0]}`).bytes(4, op);
  for (const a of attrs) n.bytes(5, a);
  return n;
}

/** AttributeProto with an int: name = 1, i = 3, type = 20 (INT = 2). */
function intAttr(name: string, v: number): Proto {
  return new Proto().bytes(1, name).int(3, v).int(20, 2);
}

/** mulberry32: a seeded PRNG in [0, 1), the same numbers on every platform. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = `the of and to in is for on that with as by this be are from or it an at not can
you your use used using if when which all will has have new file files data value values
name type string number function functions return returns object array error errors option
options default config configuration version versions release change changes changed fix
fixed fixes bug bugs support supported add added remove removed update updated breaking
test tests api node module modules package packages install build run command line time
server client request response stream streams buffer event events message messages key keys
path url http https json text code source import export class method methods property set
get call callback promise async await sync read write open close start stop create delete
list map parse format output input user users token tokens query database table index cache
memory size length first last one two three more less only also other each some any now`
  .split(/\s+/)
  .filter(Boolean);

/** Specials, whole words, single characters, `##` continuation characters and letter pairs. */
function vocabulary(): string[] {
  const vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
  const seen = new Set(vocab);
  const add = (t: string) => {
    if (!seen.has(t)) {
      seen.add(t);
      vocab.push(t);
    }
  };
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (const w of WORDS) add(w);
  for (const c of `${chars}.,;:!?'"()[]{}<>-_/\\=+*&%$#@~\`|^`) add(c);
  for (const c of chars) add(`##${c}`);
  for (const a of "abcdefghijklmnopqrstuvwxyz") {
    for (const b of "abcdefghijklmnopqrstuvwxyz") {
      add(`${a}${b}`);
      add(`##${a}${b}`);
    }
  }
  return vocab;
}

function tokenizerJson(vocab: string[]): unknown {
  const special = (id: number) => ({
    id,
    content: vocab[id],
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [0, 1, 2, 3, 4].map(special),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: "[CLS]", type_id: 0 } },
        { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "[SEP]", type_id: 0 } },
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [2], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [3], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

export interface TinyOnnxOptions {
  seed?: number;
  /** Hidden size = embedding dimension. */
  hidden?: number;
}

/** The files of the model folder, by relative path. */
export function makeTinyOnnx(opts: TinyOnnxOptions = {}): Record<string, Buffer> {
  const hidden = opts.hidden ?? 32;
  const rand = prng(opts.seed ?? 7);
  const randn = () => rand() + rand() + rand() - 1.5;
  const vocab = vocabulary();
  const floats = (n: number, scale: number) => {
    const b = Buffer.alloc(n * 4);
    for (let i = 0; i < n; i++) b.writeFloatLE(randn() * scale, i * 4);
    return b;
  };
  const axes = Buffer.alloc(8);
  axes.writeBigInt64LE(2n);

  const graph = new Proto()
    .bytes(1, node("Gather", ["embeddings", "input_ids"], ["embedded"]))
    .bytes(1, node("MatMul", ["embedded", "projection"], ["projected"]))
    .bytes(1, node("Tanh", ["projected"], ["activated"]))
    .bytes(1, node("Cast", ["attention_mask"], ["mask_float"], [intAttr("to", FLOAT)]))
    .bytes(1, node("Unsqueeze", ["mask_float", "mask_axes"], ["mask_3d"]))
    .bytes(1, node("Mul", ["activated", "mask_3d"], ["last_hidden_state"]))
    .bytes(2, "engunity-tiny-embedder")
    .bytes(5, tensor("embeddings", [vocab.length, hidden], FLOAT, floats(vocab.length * hidden, 1)))
    .bytes(
      5,
      tensor("projection", [hidden, hidden], FLOAT, floats(hidden * hidden, 1 / Math.sqrt(hidden))),
    )
    .bytes(5, tensor("mask_axes", [1], INT64, axes))
    .bytes(11, valueInfo("input_ids", INT64, ["batch", "sequence"]))
    .bytes(11, valueInfo("attention_mask", INT64, ["batch", "sequence"]))
    .bytes(12, valueInfo("last_hidden_state", FLOAT, ["batch", "sequence", hidden]));
  // ModelProto: ir_version = 1 (8), producer_name = 2, graph = 7, opset_import = 8 (version 13).
  const model = new Proto()
    .int(1, 8)
    .bytes(2, "engunity scripts/make-tiny-onnx.ts")
    .bytes(7, graph)
    .bytes(8, new Proto().bytes(1, "").int(2, 13));

  const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 1)}\n`);
  return {
    "config.json": json({
      model_type: "bert",
      architectures: ["BertModel"],
      hidden_size: hidden,
      vocab_size: vocab.length,
      max_position_embeddings: 512,
    }),
    "tokenizer.json": json(tokenizerJson(vocab)),
    "tokenizer_config.json": json({
      tokenizer_class: "BertTokenizer",
      do_lower_case: true,
      model_max_length: 512,
      cls_token: "[CLS]",
      sep_token: "[SEP]",
      pad_token: "[PAD]",
      unk_token: "[UNK]",
      mask_token: "[MASK]",
    }),
    "onnx/model.onnx": model.toBuffer(),
  };
}

/** Writes the model folder to `dir`. */
export function writeTinyOnnx(dir: string, opts: TinyOnnxOptions = {}): void {
  for (const [rel, data] of Object.entries(makeTinyOnnx(opts))) {
    const file = join(dir, rel);
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, data);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write("usage: tsx scripts/make-tiny-onnx.ts <out-dir> [seed]\n");
    process.exit(2);
  }
  writeTinyOnnx(out, { seed: Number(process.argv[3] ?? 7) });
  process.stdout.write(`wrote ${out}\n`);
}
