// The generated files (diagrams and tables in docs/, Stately exports in
// stately/) must be what scripts/generate.ts makes of the machines now: a
// machine change without `npm run docs` fails here. And every machine must
// serialize with names only, so that diagrams, Stately Studio and the
// inspector show names, not null or anonymous functions.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { assign, createMachine, setup } from "xstate";
import { describe, expect, it } from "vitest";
import {
  describeMachine,
  fillMarkers,
  generatedBlocks,
  isStale,
  machineNames,
  machines,
  plan,
  projectRoot,
  statelyConfig,
  statelyExport,
  type MachineModel,
} from "../../scripts/generate.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Declared = Record<"actions" | "guards" | "delays" | "actors", Record<string, unknown>>;

const declaredOf = (machine: unknown) => (machine as { implementations: Declared }).implementations;
const has = (record: Record<string, unknown>, name: unknown) =>
  typeof name === "string" && Object.prototype.hasOwnProperty.call(record, name);
const asList = (value: Json | undefined): Json[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Walks `machine.toJSON()` as JSON.stringify gives it (XState's own
 * serialization): an inline action shows there as null or as a name no
 * setup() declares; a named delay is a string.
 */
function unnamedInDefinition(machine: unknown): string[] {
  const declared = declaredOf(machine);
  const json = JSON.parse(JSON.stringify((machine as { toJSON(): unknown }).toJSON())) as Json;
  const problems: string[] = [];
  const actionName = (action: Json) => (typeof action === "string" ? action : action && typeof action === "object" && !Array.isArray(action) ? action.type : action);
  const walk = (state: { [key: string]: Json }) => {
    const where = String(state.id);
    const on = (state.on ?? {}) as { [event: string]: Json[] };
    const timers = Object.keys(on).filter((event) => event.startsWith("xstate.after.")).length;
    for (const kind of ["entry", "exit"] as const) {
      const actions = asList(state[kind]);
      // an `after` adds one raise (entry) and one cancel (exit) per delay: XState's timers, not actions of the chart
      const timerType = kind === "entry" ? "xstate.raise" : "xstate.cancel";
      const timerActions = actions.filter((a) => actionName(a) === timerType).length;
      if (timerActions !== timers) problems.push(`${where}: ${kind}: ${timerActions} ${timerType} for ${timers} delays`);
      for (const action of actions) {
        const name = actionName(action);
        if (name === timerType) continue;
        if (!has(declared.actions, name)) problems.push(`${where}: ${kind} action ${JSON.stringify(action)}`);
      }
    }
    for (const [event, transitions] of Object.entries(on)) {
      for (const t of transitions as Array<{ [key: string]: Json }>) {
        for (const action of asList(t.actions)) {
          if (!has(declared.actions, actionName(action))) problems.push(`${where}: on ${event}: action ${JSON.stringify(action)}`);
        }
        if ("guard" in t && !has(declared.guards, actionName(t.guard!))) problems.push(`${where}: on ${event}: guard ${JSON.stringify(t.guard)}`);
        if (event.startsWith("xstate.after.") && !has(declared.delays, t.delay)) problems.push(`${where}: ${event}: delay ${JSON.stringify(t.delay)}`);
      }
    }
    for (const invoke of asList(state.invoke) as Array<{ [key: string]: Json }>) {
      if (!has(declared.actors, invoke.src)) problems.push(`${where}: invoke ${JSON.stringify(invoke.src)}`);
    }
    for (const child of Object.values((state.states ?? {}) as { [key: string]: { [key: string]: Json } })) walk(child);
  };
  walk(json as { [key: string]: Json });
  return problems;
}

/**
 * Walks a machine config (what createMachine() takes, Stately Studio imports
 * and @statelyai/inspect sends, functions as `{ type: name }`): every action,
 * guard, delay and actor must be a name declared in setup(). Eventless
 * (`always`) transitions are seen here, not in toJSON().
 */
function unnamedInConfig(config: unknown, declared: Declared): string[] {
  const problems: string[] = [];
  const json = JSON.parse(
    JSON.stringify(config, (_key, value) => (typeof value === "function" ? { type: value.name || "(anonymous)", inline: true } : value)),
  ) as { [key: string]: Json };
  const named = (kind: keyof Declared, value: Json | undefined, where: string) => {
    if (typeof value === "string" && has(declared[kind], value)) return;
    problems.push(`${where}: ${kind.slice(0, -1)} ${JSON.stringify(value)}`);
  };
  const transition = (t: Json, where: string) => {
    if (typeof t === "string" || t === null || typeof t !== "object" || Array.isArray(t)) return;
    if ("guard" in t) named("guards", t.guard, where);
    for (const action of asList(t.actions)) named("actions", action, where);
  };
  const walk = (state: { [key: string]: Json }, where: string) => {
    for (const action of [...asList(state.entry), ...asList(state.exit)]) named("actions", action, `${where} entry/exit`);
    for (const [event, t] of Object.entries((state.on ?? {}) as { [key: string]: Json })) {
      for (const each of asList(t)) transition(each, `${where} on ${event}`);
    }
    for (const [delay, t] of Object.entries((state.after ?? {}) as { [key: string]: Json })) {
      named("delays", delay, `${where} after`);
      for (const each of asList(t)) transition(each, `${where} after ${delay}`);
    }
    for (const each of asList(state.always)) transition(each, `${where} always`);
    for (const each of asList(state.onDone)) transition(each, `${where} onDone`);
    for (const invoke of asList(state.invoke) as Array<{ [key: string]: Json }>) {
      named("actors", invoke.src, `${where} invoke`);
      for (const key of ["onDone", "onError", "onSnapshot"]) for (const each of asList(invoke[key])) transition(each, `${where} invoke ${key}`);
    }
    for (const [key, child] of Object.entries((state.states ?? {}) as { [key: string]: { [key: string]: Json } })) walk(child, `${where}.${key}`);
  };
  walk(json, String(json.id));
  return problems;
}

/** The chart of a model: states and transitions, without the names' origins. */
function chartOf(model: MachineModel) {
  return [...model.states.values()]
    .map((s) => ({
      id: s.id,
      type: s.type,
      initial: s.initial,
      tags: s.tags,
      entry: s.entry,
      exit: s.exit,
      invokes: s.invokes.map(({ src, label }) => ({ src, label })),
      transitions: s.transitions,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

describe("generated docs and Stately exports", () => {
  it("the diagrams and tables in docs/ are what scripts/generate.ts makes of the machines now", async () => {
    const { files } = await plan();
    const docs = files.filter((f) => f.file.startsWith("docs/"));
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) expect(doc.actual, `${doc.file} is stale: run \`npm run docs\``).toBe(doc.expected);
  });

  it("every diagram and table block is in the docs, between well-formed markers", async () => {
    const { files, problems } = await plan();
    expect(problems).toEqual([]);
    const docs = files.filter((f) => f.file.startsWith("docs/")).map((f) => f.actual ?? "");
    for (const key of generatedBlocks().keys()) {
      expect(docs.some((text) => text.includes(`<!-- ${key} -->`)), `no doc shows <!-- ${key} -->`).toBe(true);
    }
  });

  it("stately/ holds one export per machine and its README, exactly as generated", async () => {
    const { files } = await plan();
    const exports = files.filter((f) => f.file.startsWith("stately/"));
    expect(exports.map((f) => f.file).sort()).toEqual([...machineNames.map((name) => `stately/${name}.json`), "stately/README.md"].sort());
    expect(exports.filter(isStale).map((f) => f.file), "run `npm run docs`").toEqual([]);
  });

  it.each(machineNames)("the %s export is stable JSON: 2-space indent, trailing newline, same text twice", (name) => {
    const text = statelyExport(name);
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.stringify(JSON.parse(text), null, 2) + "\n").toBe(text);
    expect(statelyExport(name)).toBe(text);
  });

  it.each(machineNames)("the %s export builds, with createMachine(), the same chart as the machine", async (name) => {
    const exported = JSON.parse(await readFile(path.join(projectRoot, "stately", `${name}.json`), "utf8"));
    const rebuilt = describeMachine(name, createMachine(exported));
    expect(chartOf(rebuilt)).toEqual(chartOf(describeMachine(name, machines[name])));
  });
});

describe("machines serialize with names only", () => {
  it.each(machineNames)("%s: toJSON() has no null or undeclared action, guard, delay or actor", (name) => {
    expect(unnamedInDefinition(machines[name])).toEqual([]);
  });

  it.each(machineNames)("%s: its config (what the Stately inspector is sent) names every implementation", (name) => {
    const machine = machines[name];
    expect(unnamedInConfig(machine.config, declaredOf(machine))).toEqual([]);
  });

  it.each(machineNames)("%s: the Stately export names every implementation declared in setup()", (name) => {
    expect(unnamedInConfig(statelyConfig(name), declaredOf(machines[name]))).toEqual([]);
  });

  it.each(machineNames)("%s: the generator reports no unnamed implementation", (name) => {
    expect(describeMachine(name, machines[name]).problems).toEqual([]);
  });

  it("inline actions, guards and literal delays are reported by every check", () => {
    const leaky = setup({
      types: { context: {} as { n: number } },
      actions: { named: assign({ n: 1 }) },
      guards: { ok: () => true },
      delays: { wait: 10 },
    }).createMachine({
      id: "leaky",
      context: { n: 0 },
      initial: "a",
      states: {
        a: {
          entry: () => {},
          always: { guard: ({ context }) => context.n > 0, target: "b", actions: assign({ n: 2 }) },
          on: { go: { target: "b", actions: ["named", () => {}] } },
        },
        b: { after: { 500: "a", wait: { target: "a", guard: "ok" } } },
      },
    });
    const definition = unnamedInDefinition(leaky);
    expect(definition).toContainEqual(expect.stringMatching(/leaky\.a: entry action/));
    expect(definition).toContainEqual(expect.stringMatching(/leaky\.a: on go: action null/));
    expect(definition).toContainEqual(expect.stringMatching(/xstate\.after\.500.*delay 500/));
    const config = unnamedInConfig(leaky.config, declaredOf(leaky));
    expect(config).toContainEqual(expect.stringMatching(/leaky\.a always: guard/));
    expect(config).toContainEqual(expect.stringMatching(/leaky\.a always: action/));
    expect(config).toContainEqual(expect.stringMatching(/leaky\.b after: delay "500"/));
    const generator = describeMachine("leaky", leaky).problems;
    expect(generator).toContainEqual(expect.stringMatching(/state "a", entry: action is not named/));
    expect(generator).toContainEqual(expect.stringMatching(/state "a", always: guard is not named/));
    expect(generator).toContainEqual(expect.stringMatching(/state "a", always: action is not named in setup\(\) \(inline xstate\.assign\)/));
    expect(generator).toContainEqual(expect.stringMatching(/state "b", after: delay is not named in setup\(\) \(literal 500 ms\)/));
  });
});

describe("markers", () => {
  const blocks = new Map([["diagram:x", "NEW"]]);

  it("only the text between a pair of markers is replaced", () => {
    const text = "intro\n<!-- diagram:x -->\nold\nlines\n<!-- /diagram:x -->\noutro\n";
    expect(fillMarkers(text, blocks)).toEqual({ text: "intro\n<!-- diagram:x -->\nNEW\n<!-- /diagram:x -->\noutro\n", problems: [] });
  });

  it("a marker quoted within a line of prose is not a marker", () => {
    const text = "write `<!-- diagram:x -->` and `<!-- /diagram:x -->` on lines of their own\n";
    expect(fillMarkers(text, blocks)).toEqual({ text, problems: [] });
  });

  it("an unclosed or unknown marker is reported and the text left as it is", () => {
    const text = "<!-- diagram:x -->\nold\n<!-- diagram:y -->\n<!-- /diagram:y -->\n";
    const { text: out, problems } = fillMarkers(text, blocks, "page.md");
    expect(out).toBe(text);
    expect(problems).toEqual([
      "page.md: <!-- diagram:x --> has no <!-- /diagram:x -->",
      "page.md: unknown block <!-- diagram:y --> (known: diagram:x)",
    ]);
  });
});

describe("machine pages", () => {
  const pages = { connection: "docs/machines/connection.md", backoff: "docs/machines/backoff.md", namespace: "docs/machines/namespace.md" } as const;

  it.each(Object.entries(pages))("the %s page documents every state and every named action, guard, delay and actor", async (name, page) => {
    const text = await readFile(path.join(projectRoot, page), "utf8");
    const prose = text.replace(/<!-- (diagram|table):([\w-]+) -->[\s\S]*?<!-- \/\1:\2 -->/g, "");
    const machine = machines[name as keyof typeof pages];
    const model = describeMachine(name, machine);
    const missing: string[] = [];
    for (const state of model.states.values()) if (state.path && !prose.includes(`\`${state.path}\``)) missing.push(`state ${state.path}`);
    for (const [kind, record] of Object.entries(declaredOf(machine))) {
      for (const implementation of Object.keys(record)) if (!prose.includes(`\`${implementation}\``)) missing.push(`${kind} ${implementation}`);
    }
    expect(missing, `${page} does not mention (in backticks, outside the diagram)`).toEqual([]);
  });
});
