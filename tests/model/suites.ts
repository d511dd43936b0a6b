// The paths of every suite, in their bounded default form or in full, and how
// each runs against the real client. The test file (system.model.test.ts)
// and the CLI (cli.ts) both take them from here.
import { coveringPaths, edgePaths, type GeneratedPath } from "./model.js";
import { runSystemPath, type SystemPath } from "./runner.js";
import { systemModel, viewsOf, type SystemConfig } from "./system.js";
import { backoffPaths, runBackoffPath, type BackoffPath } from "./backoff.suite.js";
import { ackPaths, runAckPath, type AckPath } from "./ack.suite.js";
import type { Trace } from "./model.js";
import type { ModelServer } from "./world.js";

export type AnyPath = SystemPath | BackoffPath | AckPath;

export interface Mode {
  /** Every edge path (and every configuration) instead of a covering selection. */
  full: boolean;
}

function systemPaths({ full }: Mode): SystemPath[] {
  const paths: SystemPath[] = [];
  for (const autoConnect of [false, true]) {
    const config: SystemConfig = { autoConnect };
    const model = systemModel(config);
    let generated: GeneratedPath[];
    if (full) generated = edgePaths(model);
    else if (!autoConnect) generated = coveringPaths(model, edgePaths(model));
    else {
      // with autoConnect the Manager opens by itself: each step possible at the start, once
      const start = viewsOf(config, [])[0]!;
      generated = model.steps(start).map((step) => ({ steps: [step] }));
    }
    for (const { steps } of generated) paths.push({ suite: "system", config, steps });
  }
  return paths;
}

export function allPaths(mode: Mode): AnyPath[] {
  return [...systemPaths(mode), ...backoffPaths(mode), ...ackPaths(mode)];
}

export function runPath(path: AnyPath, server: ModelServer): Promise<Trace> {
  switch (path.suite) {
    case "system":
      return runSystemPath(path, server);
    case "backoff":
      return runBackoffPath(path, server);
    case "ack":
      return runAckPath(path, server);
  }
}

/** A short title for a path. */
export function titleOf(path: AnyPath, index: number): string {
  const steps = path.steps.length === 0 ? "(no step)" : path.steps.join(" → ");
  const config = Object.entries(path.config)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(" ");
  return `${path.suite} #${index + 1} [${config}] ${steps}`;
}
