// The docs' XState app code (tests/types/apps/xstate-app.ts, docs/examples/chat.ts) type-checks against
// the packed package with the app's own xstate, strict, for bundlers and node16 ESM.
// scripts/check-xstate.sh compiles it against the lowest supported xstate.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, expect, it } from "vitest";
import { packedApp, type PackedApp } from "../support/packed.js";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "apps", "xstate-app.ts");
/** The docs' chat example, with the package's import paths (as docs/xstate.md shows it). */
const chatExample = readFileSync(join(here, "..", "..", "docs", "examples", "chat.ts"), "utf8").replace('"../../adapters/xstate.js"', '"socket.io-client-xstate/xstate"');
let app: PackedApp;

beforeAll(async () => {
  app = await packedApp({ withStately: false });
}, 180_000);

afterAll(() => app?.remove());

const configs: Record<string, { file: string; options: ts.CompilerOptions }> = {
  bundler: { file: "xstate-app.ts", options: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler } },
  "node16 ESM": { file: "xstate-app.mts", options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 } },
};

it.each(Object.keys(configs))("compiles with no diagnostic (%s, strict, skipLibCheck off)", { timeout: 120_000 }, (name) => {
  const { file, options } = configs[name]!;
  const path = join(app.dir, file);
  copyFileSync(source, path);
  const chat = join(app.dir, file.replace("xstate-app", "chat"));
  writeFileSync(chat, chatExample);
  expect(chatExample).toContain('from "socket.io-client-xstate/xstate"');
  const program = ts.createProgram([path, chat], { ...options, noEmit: true, strict: true, skipLibCheck: false, target: ts.ScriptTarget.ES2022, types: ["node"] });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
  expect(diagnostics).toEqual([]);
  // the package's declarations and the app's use one xstate
  const xstates = new Set(program.getSourceFiles().map((file) => /^(.*\/node_modules\/xstate)\//.exec(file.fileName)?.[1]).filter(Boolean));
  expect(xstates.size).toBe(1);
});
