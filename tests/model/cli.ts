// npm run test:model               the bounded selection (as npm test runs it)
// npm run test:model -- --full     every generated path (a few minutes)
// npm run test:model -- --replay <file | JSON>
//                                  one path, as a failure prints it (MODEL_REPLAY='...')
// npm run test:model -- --list [--full]
//                                  prints the paths as scripts, runs nothing
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

const args = process.argv.slice(2);
const full = args.includes("--full");
const replayAt = args.indexOf("--replay");
const env: NodeJS.ProcessEnv = { ...process.env };
if (full) env.MODEL_FULL = "1";
if (replayAt >= 0) {
  const source = args[replayAt + 1];
  if (!source) throw new Error("--replay takes a file or a JSON path");
  const text = existsSync(source) ? readFileSync(source, "utf8") : source;
  // a file may hold the replay line a failure printed, or the JSON alone
  const json = /MODEL_REPLAY='([^']*)'/.exec(text)?.[1] ?? text.trim();
  JSON.parse(json);
  env.MODEL_REPLAY = json;
}

if (args.includes("--list")) {
  process.env.MODEL_FULL = env.MODEL_FULL;
  const { allPaths, titleOf } = await import("./suites.js");
  const { describePath } = await import("./runner.js");
  const { describeBackoffPath } = await import("./backoff.suite.js");
  const { describeAckPath } = await import("./ack.suite.js");
  const paths = allPaths({ full });
  for (const [index, path] of paths.entries()) {
    console.log(`# ${titleOf(path, index)}`);
    console.log(path.suite === "system" ? describePath(path) : path.suite === "backoff" ? describeBackoffPath(path) : describeAckPath(path));
    console.log();
  }
  console.log(`${paths.length} paths`);
} else {
  const files = env.MODEL_REPLAY ? ["tests/model/system.model.test.ts"] : ["tests/model"];
  const result = spawnSync("npx", ["vitest", "run", ...files], { stdio: "inherit", env });
  process.exitCode = result.status ?? 1;
}
