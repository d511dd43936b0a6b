// Type parity with socket.io-client 4.8: the user files of tests/types/parity/
// are compiled against the official package and against this one (from its
// `npm pack`), under the same compiler options, with skipLibCheck off. Both
// must give the same diagnostics, at the lines marked `// error` and nowhere
// else; differences.ts and require.ts must give exactly the intended
// differences their markers name (docs/differences.md#typings).
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedApp, packageName, type PackedApp } from "../support/packed.js";

const sources = join(dirname(fileURLToPath(import.meta.url)), "parity");
const official = "socket.io-client";
const userFiles = readdirSync(sources).filter((file) => file.endsWith(".ts"));
const sameFiles = userFiles.filter((file) => file !== "differences.ts" && file !== "require.ts");

const common: ts.CompilerOptions = { noEmit: true, skipLibCheck: false, types: ["node"] };
/** The compiler options of each run; `ext` is the user files' extension (the module format under node16). */
const configs: Record<string, { ext: ".ts" | ".mts" | ".cts"; cjs: boolean; options: ts.CompilerOptions }> = {
  "node10, CommonJS, strict, default target": {
    ext: ".ts",
    cjs: true,
    options: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, strict: true },
  },
  "node10, CommonJS, not strict, esModuleInterop, default target": {
    ext: ".ts",
    cjs: true,
    options: { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true },
  },
  "node16, ESM (.mts), strict": {
    ext: ".mts",
    cjs: false,
    options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022, strict: true },
  },
  "node16, CommonJS (.cts), strict": {
    ext: ".cts",
    cjs: true,
    options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, target: ts.ScriptTarget.ES2022, strict: true },
  },
  "node16, CommonJS (.cts), not strict, default target": {
    ext: ".cts",
    cjs: true,
    options: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
  },
  "bundler, strict, browser (dom, no Node types)": {
    ext: ".ts",
    cjs: false,
    options: {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
      types: [],
      strict: true,
    },
  },
  "bundler, not strict, default target": {
    ext: ".ts",
    cjs: false,
    options: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
  },
};

interface Diagnostic {
  file: string;
  line: number;
  code: number;
  message: string;
}

let app: PackedApp;

beforeAll(async () => {
  app = await packedApp({ withStately: false });
}, 180_000);

afterAll(() => app?.remove());

/**
 * One compiler host per configuration, which parses each file once for both
 * packages (the same options: the same parse and binding). Most of the time
 * goes into TypeScript's libraries and @types/node, the same for both.
 */
const hosts = new Map<string, ts.CompilerHost>();
function hostOf(configName: string): ts.CompilerHost {
  let host = hosts.get(configName);
  if (host) return host;
  host = ts.createCompilerHost({ ...common, ...configs[configName]!.options });
  const parse = host.getSourceFile.bind(host);
  const parsed = new Map<string, ts.SourceFile | undefined>();
  host.getSourceFile = (fileName, languageVersionOrOptions, onError, shouldCreate) => {
    const format = typeof languageVersionOrOptions === "object" ? languageVersionOrOptions.impliedNodeFormat : undefined;
    const key = `${fileName}|${format}`;
    if (!parsed.has(key)) parsed.set(key, parse(fileName, languageVersionOrOptions, onError, shouldCreate));
    return parsed.get(key);
  };
  hosts.set(configName, host);
  return host;
}

/**
 * What `tsc` with skipLibCheck off reports, except for TypeScript's own
 * libraries and @types/*: the same in both programs, and checking them would
 * take most of the time.
 */
function diagnosticsOf(program: ts.Program): ts.Diagnostic[] {
  const found = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const file of program.getSourceFiles()) {
    if (program.isSourceFileDefaultLibrary(file) || /\/node_modules\/@types\//.test(file.fileName)) continue;
    found.push(...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file));
  }
  return found;
}

/** Compiles the user files against `pkg` under `config`; diagnostics in user files by file:line, and those anywhere else. */
function compile(pkg: string, configName: string, files: string[]): { user: Diagnostic[]; elsewhere: string[] } {
  const { ext, options } = configs[configName]!;
  const dir = join(app.dir, `${pkg === official ? "official" : "ours"}-${configName.replace(/\W+/g, "-")}`);
  mkdirSync(dir, { recursive: true });
  const roots = files.map((file) => {
    const path = join(dir, file.replace(/\.ts$/, ext));
    writeFileSync(path, readFileSync(join(sources, file), "utf8").replaceAll(`"${official}"`, `"${pkg}"`));
    return path;
  });
  const program = ts.createProgram(roots, { ...common, ...options }, hostOf(configName));
  const user: Diagnostic[] = [];
  const elsewhere: string[] = [];
  for (const diagnostic of diagnosticsOf(program)) {
    const message = ts
      .flattenDiagnosticMessageText(diagnostic.messageText, "\n")
      .replaceAll(packageName, official)
      // the type of the module itself: `typeof import(".../index")` for ESM typings, `typeof lookup` for ours with `export =`
      .replace(/typeof import\("[^"]*"(, \{[^)]*\})?\)|typeof lookup\b/g, "typeof <the module>")
      .replace(/import\("[^"]*"\)\./g, "");
    const file = diagnostic.file && relative(dir, diagnostic.file.fileName);
    if (!file || file.startsWith("..") || file.startsWith("node_modules")) {
      elsewhere.push(`${diagnostic.file ? relative(app.dir, diagnostic.file.fileName) : "(global)"}: TS${diagnostic.code} ${message}`);
      continue;
    }
    const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    user.push({ file: file.replace(/\.[cm]?ts$/, ".ts"), line: line + 1, code: diagnostic.code, message });
  }
  return { user, elsewhere };
}

/** The lines of `file` that end with a marker comment: `// error`, `// ours: TS2540`, `// official: TS2339`. */
function markers(file: string, pattern: RegExp): Map<number, string> {
  const found = new Map<number, string>();
  readFileSync(join(sources, file), "utf8")
    .split("\n")
    .forEach((text, index) => {
      const match = pattern.exec(text);
      if (match) found.set(index + 1, match[1] ?? "");
    });
  return found;
}

const codesAt = (diagnostics: Diagnostic[], file: string, line: number) =>
  diagnostics
    .filter((diagnostic) => diagnostic.file === file && diagnostic.line === line)
    .map((diagnostic) => `TS${diagnostic.code}`)
    .join(" ");

/**
 * XState's own declarations need strictNullChecks (docs/differences.md#typings):
 * without it, checking them (skipLibCheck off) reports this error, from the
 * xstate this package's typings import. socket.io-client has no such dependency.
 */
function xstateLimitation(configName: string): string[] {
  const options = { ...common, ...configs[configName]!.options };
  if (options.strictNullChecks ?? options.strict) return [];
  return [expect.stringMatching(/node_modules\/xstate\/dist\/declarations\/src\/State\.d\.ts: TS2344 /) as unknown as string];
}

/** Both programs of a configuration, compiled once for its two tests. */
const compiled = new Map<string, { theirs: ReturnType<typeof compile>; ours: ReturnType<typeof compile> }>();
function both(configName: string) {
  let result = compiled.get(configName);
  if (!result) {
    const files = configs[configName]!.cjs ? userFiles : userFiles.filter((file) => file !== "require.ts");
    result = { theirs: compile(official, configName, files), ours: compile(packageName, configName, files) };
    compiled.set(configName, result);
  }
  return result;
}

describe.each(Object.keys(configs))("%s", (configName) => {
  // a program with xstate's declarations takes seconds to check
  it("the user files give the same diagnostics with both packages, at the lines marked `// error` only", { timeout: 120_000 }, () => {
    const { theirs: allTheirs, ours: allOurs } = both(configName);
    const inSameFiles = (diagnostics: Diagnostic[]) => diagnostics.filter((diagnostic) => sameFiles.includes(diagnostic.file));
    const theirs = { user: inSameFiles(allTheirs.user), elsewhere: allTheirs.elsewhere };
    const ours = { user: inSameFiles(allOurs.user), elsewhere: allOurs.elsewhere };
    expect(theirs.elsewhere, "diagnostics outside the user files, socket.io-client").toEqual([]);
    expect(ours.elsewhere, "diagnostics outside the user files, ours").toEqual(xstateLimitation(configName));
    expect(ours.user).toEqual(theirs.user);
    const expected = sameFiles.flatMap((file) => [...markers(file, /\/\/ error$/).keys()].map((line) => `${file}:${line}`));
    expect(expected.length).toBeGreaterThan(20);
    expect([...new Set(theirs.user.map((diagnostic) => `${diagnostic.file}:${diagnostic.line}`))].sort()).toEqual(expected.sort());
  });

  it("differences.ts and require.ts give the intended differences, and only them", { timeout: 120_000 }, () => {
    const files = ["differences.ts", ...(configs[configName]!.cjs ? ["require.ts"] : [])];
    const { theirs, ours } = both(configName);
    expect(ours.elsewhere).toEqual(xstateLimitation(configName));
    for (const file of files) {
      const lines = new Set([...theirs.user, ...ours.user].filter((diagnostic) => diagnostic.file === file).map((diagnostic) => diagnostic.line));
      const officialMarks = markers(file, /\/\/ official: (TS\d+)/);
      const ourMarks = markers(file, /\/\/ ours: (TS\d+)/);
      for (const line of [...officialMarks.keys(), ...ourMarks.keys()]) lines.add(line);
      for (const line of [...lines].sort((a, b) => a - b)) {
        expect({ line, official: codesAt(theirs.user, file, line), ours: codesAt(ours.user, file, line) }, `${file}:${line}`).toEqual({
          line,
          official: officialMarks.get(line) ?? "",
          ours: ourMarks.get(line) ?? "",
        });
      }
    }
  });
});
