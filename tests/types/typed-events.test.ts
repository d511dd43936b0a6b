// Type-checks tests/types/typed-events.ts with the project's tsconfig, so that
// `npm test` catches typed-event regressions (and unused @ts-expect-error lines).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const file = join(here, "typed-events.ts");

// compiling src/ and xstate's types takes seconds
it("typed Socket and Manager code from the docs compiles, and wrong event names or arguments do not", { timeout: 120_000 }, () => {
  const configFile = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  expect(configFile.error).toBeUndefined();
  const { options } = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const program = ts.createProgram([file], options);
  const diagnostics = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (!diagnostic.file || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${diagnostic.file.fileName}:${line + 1}: ${message}`;
  });
  expect(diagnostics).toEqual([]);
  // the negative checks are there (an unused one would be a diagnostic above)
  expect(readFileSync(file, "utf8").match(/@ts-expect-error/g)?.length).toBeGreaterThanOrEqual(10);
});
