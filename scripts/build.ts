// npm run build: an empty dist/, tsup (tsup.config.ts), then what makes dist/
// a drop-in for socket.io-client's package, which tsup cannot express:
// - dist/package.json makes dist/*.js CommonJS, as in the official package, so
//   that the UMD socket.io.js is a script for <script> and a module for
//   require(); the module builds say their format by their extension (.mjs, .cjs);
// - the ESM declarations become .d.mts (tsup's declaration worker ignores
//   outExtension), so that TypeScript reads them as ESM there too;
// - require("socket.io-client-xstate") returns the io() function with its
//   properties (io.io, io.connect, io.default, io.Manager, ...), like
//   socket.io-client's CommonJS build, and index.d.cts says so with `export =`;
// - socket.io.d.ts types the UMD script;
// - `#private;` members of the declared classes become `private "#private";`,
//   which TypeScript accepts for any target (its default target rejects
//   private identifiers in declarations: TS18028);
// - the machines' types hold for every xstate of the peer range (below).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const dist = join(root, "dist");
const read = (file: string) => readFileSync(join(dist, file), "utf8");
const write = (file: string, text: string) => writeFileSync(join(dist, file), text);

// tsup's `clean` would run once per configuration, in parallel: a configuration
// that finishes early would lose its declarations to another one's clean
rmSync(dist, { recursive: true, force: true });
execFileSync("npx", ["tsup"], { cwd: root, stdio: "inherit" });

/** The standalone scripts: global `io` when loaded by a <script>, a side effect bundlers must keep. */
const scripts = ["socket.io.js", "socket.io.min.js"];

write("package.json", JSON.stringify({ type: "commonjs", sideEffects: scripts.map((file) => `./${file}`) }, null, 2) + "\n");

// ESM declarations: x.d.ts -> x.d.mts, and their imports of './chunk.js' -> './chunk.mjs'
for (const file of readdirSync(dist).filter((name) => name.endsWith(".d.ts"))) {
  write(file.replace(/\.d\.ts$/, ".d.mts"), read(file).replace(/(from\s+['"]\.\/[^'"]+)\.js(['"])/g, "$1.mjs$2"));
  rmSync(join(dist, file));
}

for (const file of readdirSync(dist).filter((name) => /\.d\.[mc]ts$/.test(name))) {
  const text = withoutDefaultTransitionMeta(read(file).replace(/^(\s*)#private;$/gm, '$1private "#private";'));
  if (text !== read(file)) write(file, text);
}

// require("socket.io-client-xstate") is io() itself
const cjsEntry = read("index.cjs");
const mapComment = "//# sourceMappingURL=index.cjs.map";
if (!cjsEntry.includes(mapComment)) throw new Error("dist/index.cjs: no source map comment to insert before");
write(
  "index.cjs",
  cjsEntry.replace(mapComment, `// like socket.io-client: require() returns io(), with every export as its property\nmodule.exports = Object.assign(exports.io, exports);\n${mapComment}`),
);
write("index.d.cts", exportEquals(read("index.d.cts")));
write("socket.io.d.ts", scriptTypes());

/**
 * The machines' types are written out as `xstate.StateMachine<...>`: xstate
 * 5.33 added a 15th type parameter, TTransitionMeta, which defaults to the
 * 13th (TStateMeta). Written with 14 arguments when it is its default, as
 * TypeScript would accept from a user, the declarations hold for every xstate
 * of the peer range (5.20 to 5.32 take exactly 14): scripts/check-xstate.sh
 * compiles them against the lowest.
 */
function withoutDefaultTransitionMeta(source: string): string {
  const file = ts.createSourceFile("x.d.ts", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const cuts: Array<[number, number]> = [];
  const visit = (node: ts.Node) => {
    if (ts.isTypeReferenceNode(node) && /^(xstate\.)?StateMachine$/.test(node.typeName.getText(file))) {
      const args = node.typeArguments;
      if (args?.length === 15 && args[14]!.getText(file) === args[12]!.getText(file)) cuts.push([args[13]!.end, args[14]!.end]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let text = source;
  for (const [start, end] of cuts.sort((a, b) => b[0] - a[0])) text = text.slice(0, start) + text.slice(end);
  return text;
}

/**
 * Rewrites tsup's CommonJS entry declarations (ESM syntax: `export { ... }`)
 * as `export = io` with every export as a member of io's namespace, which is
 * what the JavaScript does.
 */
function exportEquals(source: string): string {
  const file = ts.createSourceFile("index.d.cts", source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const kept: string[] = [];
  const members: string[] = [];
  let fresh = 0;
  for (const statement of file.statements) {
    if (!ts.isExportDeclaration(statement)) {
      kept.push(statement.getFullText(file).trim());
      continue;
    }
    const clause = statement.exportClause;
    if (!clause || !ts.isNamedExports(clause)) throw new Error(`dist/index.d.cts: unexpected export: ${statement.getText(file)}`);
    if (statement.moduleSpecifier) {
      // export { a as b } from "x"  ->  import { a as __b0 } from "x"; and b in the namespace
      const imported = clause.elements.map((element) => {
        const local = `__${element.name.text}${fresh++}`;
        members.push(`${local} as ${element.name.text}`);
        return `${(element.propertyName ?? element.name).text} as ${local}`;
      });
      kept.push(`import { ${imported.join(", ")} } from ${statement.moduleSpecifier.getText(file)};`);
    } else {
      for (const element of clause.elements) {
        const local = (element.propertyName ?? element.name).text;
        members.push(local === element.name.text ? local : `${local} as ${element.name.text}`);
      }
    }
  }
  const io = members.find((member) => member.endsWith(" as io"))?.split(" as ")[0];
  if (!io) throw new Error("dist/index.d.cts: no `io` export");
  return [...kept, "", `declare namespace ${io} {`, `  export { ${members.join(", ")} };`, "}", "", `export = ${io};`, ""].join("\n");
}

/** The UMD script: io() with io.io, io.connect, io.default, io.Manager, io.Socket and io.protocol, as src/browser.ts exports them. */
function scriptTypes(): string {
  return `// dist/socket.io.js: a <script> defines the global \`io\`; require() returns it.
import client = require("./index.cjs");

interface ScriptIo {
  (opts?: Partial<client.ManagerOptions & client.SocketOptions>): client.Socket;
  (uri?: string, opts?: Partial<client.ManagerOptions & client.SocketOptions>): client.Socket;
  io: ScriptIo;
  connect: ScriptIo;
  default: ScriptIo;
  Manager: typeof client.Manager;
  Socket: typeof client.Socket;
  protocol: number;
}

declare const io: ScriptIo;
export = io;
`;
}
