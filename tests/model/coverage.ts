// Model coverage: which states and transitions of each machine the paths that
// passed against the real client went through, and the transitions left out,
// each with the reason it is not executed. Written to coverage/model.json.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AnyStateMachine } from "xstate";
import { ackMachine } from "../../machines/ack.machine.js";
import { backoffMachine } from "../../machines/backoff.machine.js";
import { connectionMachine } from "../../machines/connection.machine.js";
import { namespaceMachine } from "../../machines/namespace.machine.js";
import { chartOf, type Trace } from "./model.js";

export const MACHINES: Record<string, AnyStateMachine> = {
  connection: connectionMachine,
  namespace: namespaceMachine,
  backoff: backoffMachine,
  ack: ackMachine,
};

/**
 * The transitions no path executes, and why. Any other transition left out
 * fails the coverage test: either a path reaches it, or it gets a reason here.
 */
export const EXCLUDED: Record<string, Record<string, string>> = {
  connection: {
    "connection --api.dispose#0--> (self)":
      "sent only by adapters/xstate.ts when an app's actor system stops the client actor it embeds; a Manager created with new Manager() never receives it",
  },
  namespace: {
    "namespace.active.handshaking --server.connect#1--> namespace.inactive":
      "a CONNECT without a session id is the answer of a Socket.IO 2.x server (protocol mismatch); the model's world is a socket.io 4.8 server, which always sends one (tests/integration/hostile-server.test.ts covers it with a raw engine.io server)",
  },
  backoff: {},
  ack: {},
};

export interface MachineCoverage {
  states: { covered: number; total: number };
  transitions: { covered: number; total: number };
  /** Transitions no path executed: with the reason, or "NOT REACHED". */
  excluded: { transition: string; reason: string }[];
  /** States no path entered. */
  missingStates: string[];
}

export function coverageOf(trace: Trace): Record<string, MachineCoverage> {
  const result: Record<string, MachineCoverage> = {};
  for (const [id, machine] of Object.entries(MACHINES)) {
    const chart = chartOf(machine);
    const states = trace.states.get(id) ?? new Set();
    const transitions = trace.transitions.get(id) ?? new Set();
    const left = chart.transitions.filter((key) => !transitions.has(key));
    result[id] = {
      states: { covered: chart.states.filter((key) => states.has(key)).length, total: chart.states.length },
      transitions: { covered: chart.transitions.length - left.length, total: chart.transitions.length },
      excluded: left.map((transition) => ({ transition, reason: EXCLUDED[id]?.[transition] ?? "NOT REACHED" })),
      missingStates: chart.states.filter((key) => !states.has(key)),
    };
  }
  return result;
}

const percent = (covered: number, total: number) => (total === 0 ? "100.0" : ((100 * covered) / total).toFixed(1));

/** The coverage as a table, then every transition left out with its reason. */
export function formatCoverage(coverage: Record<string, MachineCoverage>): string {
  const lines = ["model coverage (paths executed against the real client):", "  machine      states          transitions"];
  for (const [id, { states, transitions }] of Object.entries(coverage)) {
    lines.push(
      `  ${id.padEnd(12)} ${`${states.covered}/${states.total}`.padEnd(6)} ${percent(states.covered, states.total).padStart(5)}%   ${`${transitions.covered}/${transitions.total}`.padEnd(6)} ${percent(transitions.covered, transitions.total).padStart(5)}%`,
    );
  }
  for (const [id, { excluded, missingStates }] of Object.entries(coverage)) {
    for (const { transition, reason } of excluded) lines.push(`  left out (${id}): ${transition}\n      ${reason}`);
    for (const state of missingStates) lines.push(`  state never entered (${id}): ${state}`);
  }
  return lines.join("\n");
}

export function writeCoverage(coverage: Record<string, MachineCoverage>, file = path.resolve("coverage/model.json")): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const json = Object.fromEntries(
    Object.entries(coverage).map(([id, { states, transitions, excluded, missingStates }]) => [id, { states, transitions, excluded, missingStates }]),
  );
  writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}
