/**
 * Writes docs/SOCKET_EVENTS.md from the typed Socket.IO maps in shared/src/events.ts
 * (`ClientToServerEvents`, `ServerToClientEvents`), so the event reference cannot drift
 * from the types the server and clients compile against. `--check` exits 1 when the
 * file is stale (a test runs it).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const SOURCE = fileURLToPath(new URL("../shared/src/events.ts", import.meta.url));
const TARGET = fileURLToPath(new URL("../docs/SOCKET_EVENTS.md", import.meta.url));

interface EventDoc {
  name: string;
  payload: string;
  ack?: string;
}

function squash(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/\{ /g, "{")
    .replace(/ \}/g, "}")
    .replace(/;\s*}/g, "}")
    .trim();
}

/** The contract's objects (PROTOCOL.md "Objects"): shown by name. */
const OBJECTS = ["Message", "Session", "User", "Member", "Document"];

/** A type as the docs show it: aliases and this file's interfaces expanded one level. */
function show(checker: ts.TypeChecker, type: ts.Type): string {
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.InTypeAlias;
  const named = checker.typeToString(type, undefined, flags);
  if (!/^[A-Z]\w*$/.test(named) || OBJECTS.includes(named)) return squash(named);
  const props = checker.getPropertiesOfType(type).map((p) => {
    const decl = p.valueDeclaration ?? p.declarations?.[0];
    const optional = (p.flags & ts.SymbolFlags.Optional) !== 0 ? "?" : "";
    // Written in an interface: as written (`Message[]`); inferred from zod: as resolved.
    const text =
      decl && ts.isPropertySignature(decl) && decl.type
        ? decl.type.getText()
        : checker.typeToString(
            decl ? checker.getTypeOfSymbolAtLocation(p, decl) : checker.getAnyType(),
            undefined,
            flags,
          );
    return `${p.name}${optional}: ${text.replace(/ \| undefined$/, "")}`;
  });
  return squash(`{${props.join("; ")}}`);
}

/** An inline `{…}` as written; a named type expanded one level. */
function shown(checker: ts.TypeChecker, node: ts.TypeNode): string {
  if (ts.isTypeLiteralNode(node)) return squash(node.getText());
  return show(checker, checker.getTypeFromTypeNode(node));
}

function eventsOf(program: ts.Program, name: string): EventDoc[] {
  const source = program.getSourceFile(SOURCE)!;
  const checker = program.getTypeChecker();
  const out: EventDoc[] = [];
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== name) return;
    for (const member of node.members) {
      if (!ts.isPropertySignature(member) || !member.type || !ts.isFunctionTypeNode(member.type)) {
        continue;
      }
      const [payload, ack] = member.type.parameters;
      const ackArg =
        ack?.type && ts.isTypeReferenceNode(ack.type) ? ack.type.typeArguments?.[0] : undefined;
      out.push({
        name: member.name.getText(source).replace(/"/g, ""),
        payload: payload?.type ? shown(checker, payload.type) : "—",
        ack: ackArg ? shown(checker, ackArg) : undefined,
      });
    }
  });
  return out;
}

const cell = (s: string) => `\`${s.replace(/\|/g, "\\|")}\``;

export function renderSocketDoc(): string {
  const program = ts.createProgram([SOURCE], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    noEmit: true,
  });
  const clientEvents = eventsOf(program, "ClientToServerEvents");
  const serverEvents = eventsOf(program, "ServerToClientEvents");
  const lines = [
    "# Socket.IO events",
    "",
    "Generated from the typed maps in `shared/src/events.ts` by",
    "`npx tsx scripts/socket-events-doc.ts`; do not edit by hand. The meaning of each event",
    "is in [PROTOCOL.md](PROTOCOL.md); payloads are validated on the server with the zod",
    "schemas beside the maps. A failed ack is `{error: {code, message}}`.",
    "",
    "## Client → server",
    "",
    "| event | payload | ack (`{ok: true, …}`) |",
    "| --- | --- | --- |",
    ...clientEvents.map(
      (e) => `| \`${e.name}\` | ${cell(e.payload)} | ${e.ack ? cell(e.ack) : "none"} |`,
    ),
    "",
    "## Server → client",
    "",
    "| event | payload |",
    "| --- | --- |",
    ...serverEvents.map((e) => `| \`${e.name}\` | ${cell(e.payload)} |`),
    "",
  ];
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderSocketDoc();
  if (process.argv.includes("--check")) {
    const current = readFileSync(TARGET, "utf8");
    if (current !== text) {
      process.stderr.write(
        "docs/SOCKET_EVENTS.md is stale: run npx tsx scripts/socket-events-doc.ts\n",
      );
      process.exit(1);
    }
  } else {
    writeFileSync(TARGET, text);
  }
}
