// Model-based tests against the real client: paths generated with xstate/graph
// from the product's machines (the connection and namespace machines together,
// the backoff, the ack), each executed step by step on a real Manager and
// Sockets talking to a real socket.io 4.8 server through a gate proxy, with
// the Manager's timers on a clock the test drives. See docs/testing.md.
//
// npm test runs a bounded selection (every transition the generated paths
// take, in few paths); `npm run test:model -- --full` runs every generated
// path; MODEL_REPLAY='<path as JSON>' runs one path (each failure prints it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageOf, formatCoverage, writeCoverage } from "./coverage.js";
import { Trace } from "./model.js";
import { allPaths, runPath, titleOf, type AnyPath } from "./suites.js";
import { startModelServer, type ModelServer } from "./world.js";

const replay = process.env.MODEL_REPLAY;
const full = process.env.MODEL_FULL === "1";
const paths: AnyPath[] = replay ? [JSON.parse(replay) as AnyPath] : allPaths({ full });

let server: ModelServer;
const covered = new Trace();
let failures = 0;
let executed = 0;

beforeAll(async () => {
  server = await startModelServer();
});
afterAll(() => server?.close());

describe.each(["system", "backoff", "ack"] as const)("model: %s", (suite) => {
  const mine = paths.map((path, index) => ({ path, index })).filter(({ path }) => path.suite === suite);
  it.each(mine.map(({ path, index }) => [titleOf(path, index), path] as const))("%s", async (_title, path) => {
    try {
      covered.merge(await runPath(path, server));
      executed++;
    } catch (error) {
      failures++;
      throw error;
    }
  });
  if (mine.length === 0) it("has no path in this run (MODEL_REPLAY)", () => expect(replay).toBeDefined());
});

describe("model coverage", () => {
  it("every state, and at least 95% of the transitions of every machine, executed against the real client; each transition left out has a reason", () => {
    const coverage = coverageOf(covered);
    writeCoverage(coverage);
    console.log(formatCoverage(coverage));
    // a replay, a run with failures or a filtered run (-t) covers less: only the complete run is held to the goal
    if (replay || failures > 0 || executed < paths.length) return;
    for (const [id, { states, transitions, excluded, missingStates }] of Object.entries(coverage)) {
      expect(missingStates, `${id}: states never entered`).toEqual([]);
      expect(transitions.covered / transitions.total, `${id}: transitions covered`).toBeGreaterThanOrEqual(0.95);
      expect(
        excluded.filter(({ reason }) => reason === "NOT REACHED").map(({ transition }) => transition),
        `${id}: transitions left out without a reason`,
      ).toEqual([]);
      expect(states.covered).toBe(states.total);
    }
  });
});
