// CI's check of the bench (the bench is not part of `npm test`): one quick
// round, docs left alone; exits non-zero unless every metric got a finite
// number for both clients (and for the raw engine.io floor and the design
// floor in their trials) in every round, and every target a figure and a
// verdict. No timing threshold: only that each measurement produced a number.
//
//   npx tsx bench/smoke.ts
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { QUICK_PARAMS, metricsFor, takesPart, targetsFor, type ClientName } from "./metrics.js";
import { ratioChart, type ChartBar } from "./svg.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "bench-smoke-"));
const outFile = join(scratch, "results.json");

// fork keeps this process's execArgv, so run.ts runs under the same TypeScript loader (tsx)
const exitCode = await new Promise<number | null>((resolve) => {
  const run = fork(join(HERE, "run.ts"), ["--quick", "--no-write", "--rounds", "1", "--out", outFile], { stdio: "inherit" });
  run.once("exit", resolve);
});

const problems: string[] = [];
if (exitCode !== 0) problems.push(`bench/run.ts exited with ${exitCode}`);

interface Results {
  rounds: number;
  samples: Record<string, Record<string, Array<number | null>>>;
  metrics: Array<ChartBar & { key: string }>;
  targets: Array<{ label: string; value: number | null; verdict: string; reference?: unknown; referenceValue: number | null }>;
}
let results: Results | undefined;
try {
  results = JSON.parse(readFileSync(outFile, "utf8")) as Results;
} catch (error) {
  problems.push(`no results file: ${(error as Error).message}`);
}
rmSync(scratch, { recursive: true, force: true });

const expected = metricsFor(QUICK_PARAMS);
if (results) {
  for (const metric of expected) {
    const clients = (["ours", "official", "floor", "raw"] as ClientName[]).filter((client) => takesPart(client, metric.group));
    for (const client of clients) {
      const values = results.samples[metric.key]?.[client] ?? [];
      for (let round = 0; round < results.rounds; round++) {
        const value = values[round];
        if (typeof value !== "number" || !Number.isFinite(value)) {
          problems.push(`${metric.key}: no number for ${client} in round ${round + 1} (got ${JSON.stringify(value)})`);
        }
      }
    }
  }
  const expectedTargets = targetsFor(QUICK_PARAMS);
  if (results.targets.length !== expectedTargets.length) {
    problems.push(`${results.targets.length} targets evaluated for ${expectedTargets.length} defined`);
  }
  for (const target of results.targets) {
    if (typeof target.value !== "number" || !Number.isFinite(target.value) || target.verdict === "no result") {
      problems.push(`target "${target.label}": no figure (got ${JSON.stringify(target.value)}, ${target.verdict})`);
    }
    if (target.reference && (typeof target.referenceValue !== "number" || !Number.isFinite(target.referenceValue))) {
      problems.push(`target "${target.label}": no reference figure (got ${JSON.stringify(target.referenceValue)})`);
    }
  }
  // the chart renders from these very results, one bar per metric
  const svg = ratioChart(results.metrics, "smoke", "smoke");
  const bars = svg.match(/<rect [^>]*><title>/g)?.length ?? 0;
  if (bars !== expected.length) problems.push(`the chart has ${bars} bars for ${expected.length} metrics`);
}

if (problems.length) {
  console.error(`bench smoke: FAILED\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(
  `bench smoke: ok, ${expected.length} metrics, each a finite number for ours and official (and the raw and design floors where they run); ${results?.targets.length} targets, each with a figure and a verdict`,
);
