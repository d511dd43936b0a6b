// Generates what the docs and Stately Studio show of the machines, from the
// machines themselves (their state trees, as XState builds them):
// - Mermaid diagrams between `<!-- diagram:NAME -->` and `<!-- /diagram:NAME -->`
//   in every docs/**/*.md file, tables between `<!-- table:NAME -->` markers, and
//   the examples of docs/examples/NAME.ts between `<!-- example:NAME -->` markers;
// - stately/NAME.json, the machine configs that Stately Studio imports, and stately/README.md.
// `npm run docs` writes them; `tsx scripts/generate.ts --check` writes nothing
// and exits 1 listing the stale files (CI). Both exit 1 when a machine uses an
// inline (unnamed) action, guard, delay or actor, which the visualizer would
// show as null or anonymous.
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  ackMachine,
  backoffMachine,
  connectionMachine,
  namespaceMachine,
  nextDelay,
  type BackoffSettings,
} from "../machines/index.js";

export const machines = {
  connection: connectionMachine,
  backoff: backoffMachine,
  namespace: namespaceMachine,
  ack: ackMachine,
} as const;

export type MachineName = keyof typeof machines;
export const machineNames = Object.keys(machines) as MachineName[];

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// ---------------------------------------------------------------------------
// The state tree, as XState builds it (machine.root): only what is read here.

interface ChartTransition {
  target?: readonly ChartNode[] | undefined;
  guard?: unknown;
  actions: readonly unknown[];
  reenter: boolean;
  eventType: string;
  delay?: unknown;
  description?: string;
}

interface ChartInvoke {
  id: string;
  src: unknown;
  config?: unknown;
}

interface ChartNode {
  key: string;
  id: string;
  path: string[];
  type: "atomic" | "compound" | "parallel" | "final" | "history";
  parent?: ChartNode;
  states: Record<string, ChartNode>;
  initial?: { target: readonly ChartNode[] };
  transitions: Map<string, ChartTransition[]>;
  always?: ChartTransition[];
  entry: unknown[];
  exit: unknown[];
  invoke: ChartInvoke[];
  tags: string[];
  description?: string;
  config: { id?: string; invoke?: unknown };
}

type Implementations = Record<"actions" | "guards" | "delays" | "actors", Record<string, unknown>>;

interface ChartMachine {
  id: string;
  root: ChartNode;
  implementations: Implementations;
}

const asChart = (machine: unknown) => machine as ChartMachine;

// ---------------------------------------------------------------------------
// A model of one machine: every name resolved, every unnamed implementation reported.

export type Trigger =
  | { kind: "event"; event: string }
  | { kind: "after"; delay: string }
  | { kind: "always" }
  | { kind: "actorDone"; invoke: string }
  | { kind: "actorError"; invoke: string }
  | { kind: "actorSnapshot"; invoke: string }
  | { kind: "stateDone" };

export interface TransitionModel {
  trigger: Trigger;
  guard?: string;
  actions: string[];
  /** State ids; none for a transition that only runs actions. */
  targets: string[];
  reenter: boolean;
  description?: string;
}

export interface InvokeModel {
  src: string;
  /** Given in the machine; undefined when XState made one up. */
  id?: string;
  /** How the docs call it: its id, or its src when the id is made up. */
  label: string;
  /** The id XState uses in its done/error event types. */
  resolvedId: string;
}

export interface StateModel {
  /** Dotted path from the root ("" for the root). */
  path: string;
  key: string;
  id: string;
  /** Set in the machine (`id: "..."`), not derived from the path. */
  customId?: string;
  type: ChartNode["type"];
  initial?: string;
  description?: string;
  tags: string[];
  entry: string[];
  exit: string[];
  invokes: InvokeModel[];
  transitions: TransitionModel[];
  children: StateModel[];
}

export interface MachineModel {
  id: string;
  root: StateModel;
  /** Every state, by id. */
  states: Map<string, StateModel>;
  /** Unnamed (inline) implementations, or names not declared in setup(). */
  problems: string[];
}

/** What an `after` delay adds to a state's entry/exit: the timer, not an action of the chart. */
function isDelayTimerAction(action: unknown): boolean {
  if (typeof action !== "function") return false;
  const { type, id, sendId } = action as { type?: unknown; id?: unknown; sendId?: unknown };
  const timer = typeof id === "string" ? id : sendId;
  return (type === "xstate.raise" || type === "xstate.cancel") && typeof timer === "string" && timer.startsWith("xstate.after.");
}

export function describeMachine(name: string, machine: unknown): MachineModel {
  const chart = asChart(machine);
  const impl = chart.implementations;
  const problems: string[] = [];
  const states = new Map<string, StateModel>();

  const nameOf = (kind: "action" | "guard" | "delay" | "actor", value: unknown, where: string): string => {
    const declared = { action: impl.actions, guard: impl.guards, delay: impl.delays, actor: impl.actors }[kind];
    let named: string | undefined;
    if (typeof value === "string") named = value;
    else if (typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string") {
      named = (value as { type: string }).type;
    }
    if (named !== undefined && Object.prototype.hasOwnProperty.call(declared, named)) return named;
    if (named !== undefined) {
      problems.push(`${name}: ${where}: ${kind} "${named}" is not declared in setup()`);
      return named;
    }
    const builtin = typeof value === "function" ? (value as { type?: unknown }).type : undefined;
    const shown = typeof builtin === "string" ? `inline ${builtin}` : typeof value === "number" ? String(value) : "anonymous";
    problems.push(`${name}: ${where}: ${kind} is not named in setup() (${typeof value === "number" ? `literal ${value} ms` : shown})`);
    return `<${shown}>`;
  };

  const visit = (node: ChartNode): StateModel => {
    const statePath = node.path.join(".");
    const where = `state "${statePath || "(root)"}"`;
    const invokes: InvokeModel[] = node.invoke.map((invoke, index) => {
      const src = typeof invoke.src === "string" ? invoke.src : undefined;
      const configured = ([] as Array<{ id?: string }>).concat((node.config.invoke as { id?: string }) ?? [])[index];
      const srcName =
        src !== undefined && !src.startsWith("xstate.invoke.")
          ? nameOf("actor", src, `${where}, invoke`)
          : nameOf("actor", undefined, `${where}, invoke`);
      return {
        src: srcName,
        ...(configured?.id !== undefined ? { id: configured.id } : {}),
        label: configured?.id ?? srcName,
        resolvedId: invoke.id,
      };
    });

    const transitionOf = (trigger: Trigger, t: ChartTransition, label: string): TransitionModel => ({
      trigger,
      ...(t.guard !== undefined ? { guard: nameOf("guard", t.guard, `${where}, ${label}`) } : {}),
      actions: t.actions.map((action) => nameOf("action", action, `${where}, ${label}`)),
      targets: (t.target ?? []).map((target) => target.id),
      reenter: t.reenter,
      ...(t.description !== undefined ? { description: t.description } : {}),
    });

    const transitions: TransitionModel[] = [];
    for (const [descriptor, list] of node.transitions) {
      for (const t of list) {
        let trigger: Trigger;
        const invoke = invokes.find((i) =>
          [`xstate.done.actor.${i.resolvedId}`, `xstate.error.actor.${i.resolvedId}`, `xstate.snapshot.${i.resolvedId}`].includes(descriptor),
        );
        if ("delay" in t && descriptor.startsWith("xstate.after.")) {
          trigger = { kind: "after", delay: nameOf("delay", t.delay, `${where}, after`) };
        } else if (invoke && descriptor === `xstate.done.actor.${invoke.resolvedId}`) {
          trigger = { kind: "actorDone", invoke: invoke.label };
        } else if (invoke && descriptor === `xstate.error.actor.${invoke.resolvedId}`) {
          trigger = { kind: "actorError", invoke: invoke.label };
        } else if (invoke && descriptor === `xstate.snapshot.${invoke.resolvedId}`) {
          trigger = { kind: "actorSnapshot", invoke: invoke.label };
        } else if (descriptor === `xstate.done.state.${node.id}`) {
          trigger = { kind: "stateDone" };
        } else {
          trigger = { kind: "event", event: descriptor };
        }
        transitions.push(transitionOf(trigger, t, `on ${descriptor}`));
      }
    }
    for (const t of node.always ?? []) transitions.push(transitionOf({ kind: "always" }, t, "always"));

    const model: StateModel = {
      path: statePath,
      key: node.key,
      id: node.id,
      ...(node.config.id !== undefined ? { customId: node.config.id } : {}),
      type: node.type,
      ...(node.initial && node.initial.target.length > 0 ? { initial: node.initial.target[0]!.key } : {}),
      ...(node.description !== undefined ? { description: node.description } : {}),
      tags: [...node.tags],
      entry: node.entry.filter((a) => !isDelayTimerAction(a)).map((a) => nameOf("action", a, `${where}, entry`)),
      exit: node.exit.filter((a) => !isDelayTimerAction(a)).map((a) => nameOf("action", a, `${where}, exit`)),
      invokes,
      transitions,
      children: Object.values(node.states).map(visit),
    };
    states.set(node.id, model);
    return model;
  };

  const root = visit(chart.root);
  return { id: chart.id, root, states, problems };
}

/** Unnamed implementations of every machine: empty when all of them are named in setup(). */
export function unnamedImplementations(): string[] {
  return machineNames.flatMap((name) => describeMachine(name, machines[name]).problems);
}

// ---------------------------------------------------------------------------
// Labels, short enough for a diagram.

export function triggerLabel(trigger: Trigger): string {
  switch (trigger.kind) {
    case "event":
      return trigger.event === "*" ? "any event" : trigger.event;
    case "after":
      return `after ${/^\d+$/.test(trigger.delay) ? `${trigger.delay}ms` : trigger.delay}`;
    case "always":
      return "always";
    case "actorDone":
      return `${trigger.invoke} done`;
    case "actorError":
      return `${trigger.invoke} failed`;
    case "actorSnapshot":
      return `${trigger.invoke} snapshot`;
    case "stateDone":
      return "done";
  }
}

export function transitionLabel(t: TransitionModel): string {
  let label = triggerLabel(t.trigger);
  if (t.guard) label += ` [${t.guard}]`;
  if (t.actions.length > 0) label += ` / ${t.actions.join(", ")}`;
  return label;
}

// ---------------------------------------------------------------------------
// Mermaid stateDiagram-v2

const MERMAID_KEYWORDS = new Set(["state", "note", "end", "direction", "class", "classDef", "style", "click", "as", "default"]);

function mermaidIds(model: MachineModel): Map<string, string> {
  const all = [...model.states.values()].filter((s) => s !== model.root);
  const keyCount = new Map<string, number>();
  for (const s of all) keyCount.set(s.key, (keyCount.get(s.key) ?? 0) + 1);
  const ids = new Map<string, string>();
  for (const s of all) {
    const plain = /^[A-Za-z][A-Za-z0-9_]*$/.test(s.key) && keyCount.get(s.key) === 1 && !MERMAID_KEYWORDS.has(s.key);
    ids.set(s.id, plain ? s.key : `${model.id}_${s.path.replace(/[^A-Za-z0-9_]/g, "_")}`);
  }
  return ids;
}

/** What a state does besides moving: entry/exit actions, invoked actors, tags, transitions that only run actions. */
function stateNotes(s: StateModel): string[] {
  const notes: string[] = [];
  if (s.entry.length) notes.push(`entry / ${s.entry.join(", ")}`);
  if (s.exit.length) notes.push(`exit / ${s.exit.join(", ")}`);
  for (const invoke of s.invokes) notes.push(`invoke ${invoke.src}${invoke.id && invoke.id !== invoke.src ? ` as ${invoke.id}` : ""}`);
  for (const tag of s.tags) notes.push(`tag ${tag}`);
  for (const t of s.transitions) {
    if (t.targets.length === 0) notes.push(t.actions.length || t.guard ? transitionLabel(t) : `${triggerLabel(t.trigger)} (ignored)`);
  }
  return notes;
}

/** Mermaid treats these as syntax in labels. */
const mermaidText = (text: string) => text.replace(/;/g, ",").replace(/#/g, "");

export function mermaidDiagram(name: string, machine: unknown = machines[name as MachineName]): string {
  const model = describeMachine(name, machine);
  const ids = mermaidIds(model);
  const byId = model.states;

  // Edges come after every state block: an edge written inside a block would
  // pull a state of another block into it. Edges between the same two states
  // share one arrow, one line per transition.
  const rootTargeted = model.root.transitions.some((t) => t.targets.length > 0);
  const wrapRoot = rootTargeted || model.root.entry.length > 0 || model.root.exit.length > 0 || model.root.invokes.length > 0;
  const rootId = `${model.id}_machine`;
  const idOf = (s: StateModel) => (s === model.root ? rootId : ids.get(s.id)!);
  const edgeLabels = new Map<string, string[]>();
  for (const s of byId.values()) {
    for (const t of s.transitions) {
      for (const targetId of t.targets) {
        const edge = `${idOf(s)} --> ${idOf(byId.get(targetId)!)}`;
        edgeLabels.set(edge, [...(edgeLabels.get(edge) ?? []), mermaidText(transitionLabel(t))]);
      }
    }
  }
  const edges = [...edgeLabels].map(([edge, labels]) => `${edge} : ${labels.join("<br/>")}`);

  const lines: string[] = ["stateDiagram-v2"];
  const renderBlock = (parent: StateModel, indent: string) => {
    if (parent.type === "parallel" || parent.type === "history") {
      throw new Error(`${name}: ${parent.type} states are not drawn yet (state "${parent.path}"): extend scripts/generate.ts`);
    }
    if (parent.initial) lines.push(`${indent}[*] --> ${ids.get(`${parent.id}.${parent.initial}`)}`);
    for (const child of parent.children) {
      const id = ids.get(child.id)!;
      if (child.children.length > 0) {
        lines.push(`${indent}state ${id} {`);
        renderBlock(child, indent + "  ");
        lines.push(`${indent}}`);
        const notes = stateNotes(child);
        if (notes.length) {
          lines.push(`${indent}note right of ${id}`, ...notes.map((n) => `${indent}  ${mermaidText(n)}`), `${indent}end note`);
        }
      } else {
        // the first description is the state's title, the next ones are listed under it
        const notes = stateNotes(child);
        lines.push(notes.length ? `${indent}${id} : ${child.key}` : `${indent}${id}`);
        for (const note of notes) lines.push(`${indent}${id} : ${mermaidText(note)}`);
      }
      if (child.type === "final") lines.push(`${indent}${id} --> [*]`);
    }
  };

  if (wrapRoot) {
    lines.push(`  [*] --> ${rootId}`, `  state "${model.id}" as ${rootId} {`);
    renderBlock(model.root, "    ");
    lines.push("  }");
    const notes = stateNotes(model.root);
    if (notes.length) lines.push(`  note right of ${rootId}`, ...notes.map((n) => `    ${mermaidText(n)}`), "  end note");
  } else {
    renderBlock(model.root, "  ");
  }
  for (const edge of edges) lines.push(`  ${edge}`);

  const out = ["```mermaid", ...lines, "```"];
  if (!wrapRoot) {
    const everywhere = model.root.transitions.filter((t) => t.targets.length === 0);
    if (everywhere.length > 0) {
      out.push("", "At the root, for any state without a transition of its own for the event (no change of state):", "");
      for (const t of everywhere) {
        const actions = t.actions.length ? t.actions.map((a) => `\`${a}\``).join(", ") : "ignored";
        out.push(`- on \`${triggerLabel(t.trigger)}\`${t.guard ? ` [\`${t.guard}\`]` : ""}: ${actions}`);
      }
    }
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------
// The actor tree (the control plane): which machine invokes or spawns which
// actor (from setup({ actors })), and where the facade (src/) attaches.

/** The facade's side, which no machine declares. */
const FACADE_LINKS = [
  { from: "Manager", to: "connection", label: "createActor, sends api.*" },
  { from: "Socket", to: "namespace", label: "reads its snapshot, sends api.*" },
  { from: "Socket", to: "ack", label: "AckRegistry runs this chart, one record per pending ack" },
  { from: "transport", to: "engine", label: "new engine.io-client Socket" },
];

export function actorTreeDiagram(): string {
  const lines = ["flowchart TD"];
  const declared = new Set<string>();
  const declare = (id: string, text: string, shape: "machine" | "actor" | "facade" | "engine") => {
    if (declared.has(id)) return;
    declared.add(id);
    const open = { machine: "([", actor: "[[", facade: "[", engine: "[(" }[shape];
    const close = { machine: "])", actor: "]]", facade: "]", engine: ")]" }[shape];
    lines.push(`  ${id}${open}"${text}"${close}`);
  };
  declare("Manager", "Manager (src/manager.ts)", "facade");
  declare("Socket", "Socket (src/socket.ts)", "facade");

  const visited = new Set<string>();
  const walk = (name: string, machine: unknown) => {
    if (visited.has(name)) return;
    visited.add(name);
    declare(name, `${name} machine`, "machine");
    const model = describeMachine(name, machine);
    for (const [actorName, logic] of Object.entries(asChart(machine).implementations.actors)) {
      const isMachine = typeof logic === "object" && logic !== null && "root" in logic;
      const invokedIn = [...model.states.values()].filter((s) => s.invokes.some((i) => i.src === actorName)).map((s) => s.path);
      const how = invokedIn.length > 0 ? `invokes in ${invokedIn.join(", ")}` : "spawns";
      if (isMachine) walk(actorName, logic);
      else declare(actorName, `${actorName} actor`, "actor");
      lines.push(`  ${name} -->|"${how}"| ${actorName}`);
    }
  };
  walk("connection", machines.connection);
  walk("ack", machines.ack);
  declare("engine", "engine.io-client", "engine");
  for (const link of FACADE_LINKS) lines.push(`  ${link.from} -->|"${link.label}"| ${link.to}`);
  return ["```mermaid", ...lines, "```"].join("\n");
}

// ---------------------------------------------------------------------------
// Tables

export const DEFAULT_BACKOFF: BackoffSettings = {
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0.5,
  reconnectionAttempts: Infinity,
};

/**
 * socket.io-client 4.8's range for the same attempt (its contrib/backo2.js):
 * jitter around the uncapped delay, then the cap, so it never exceeds the max.
 */
function officialRange(attempt: number, s: BackoffSettings): [number, number] {
  const uncapped = s.reconnectionDelay * 2 ** (attempt - 1);
  const spread = Math.floor(s.randomizationFactor * uncapped);
  return [Math.min(uncapped - spread, s.reconnectionDelayMax), Math.min(uncapped + spread, s.reconnectionDelayMax)];
}

const ms = (n: number) => n.toLocaleString("en-US");

export function backoffScheduleTable(settings: BackoffSettings = DEFAULT_BACKOFF, attempts = 7): string {
  const rows = [
    "| attempt | nominal delay (ms) | delay drawn (ms) | socket.io-client 4.8 (ms) |",
    "|---:|---:|---:|---:|",
  ];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const nominal = nextDelay(attempt, { ...settings, randomizationFactor: 0 }, 0);
    // random is in [0, 1): 0 gives the lowest delay, 1 the (excluded) highest
    const low = nextDelay(attempt, settings, 0);
    const high = nextDelay(attempt, settings, 1);
    const [officialLow, officialHigh] = officialRange(attempt, settings);
    rows.push(`| ${attempt} | ${ms(nominal)} | ${ms(low)} – ${ms(high)} | ${ms(officialLow)} – ${ms(officialHigh)} |`);
  }
  return rows.join("\n");
}

// ---------------------------------------------------------------------------
// Stately Studio exports: the machine config (what `createMachine()` takes and
// what Stately Studio imports), with names only: implementations, context,
// input and output mappers are code, not part of the chart.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function statelyTransition(t: TransitionModel): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (t.targets.length === 1) out.target = `#${t.targets[0]}`;
  else if (t.targets.length > 1) out.target = t.targets.map((id) => `#${id}`);
  if (t.guard) out.guard = t.guard;
  if (t.actions.length) out.actions = [...t.actions];
  if (t.reenter) out.reenter = true;
  if (t.description) out.description = t.description;
  return out;
}

const oneOrMany = (list: TransitionModel[]): Json =>
  list.length === 1 ? statelyTransition(list[0]!) : list.map(statelyTransition);

function statelyState(s: StateModel, isRoot: boolean, machineId: string): { [key: string]: Json } {
  const out: { [key: string]: Json } = {};
  if (isRoot) out.id = machineId;
  else if (s.customId) out.id = s.customId;
  if (s.type === "final" || s.type === "parallel" || s.type === "history") out.type = s.type;
  if (s.initial) out.initial = s.initial;
  if (s.description) out.description = s.description;
  if (s.tags.length) out.tags = [...s.tags];
  if (s.entry.length) out.entry = [...s.entry];
  if (s.exit.length) out.exit = [...s.exit];
  const byTrigger = (kind: Trigger["kind"], invoke?: string) =>
    s.transitions.filter((t) => t.trigger.kind === kind && (invoke === undefined || (t.trigger as { invoke?: string }).invoke === invoke));
  if (s.invokes.length) {
    out.invoke = s.invokes.map((invoke) => {
      const entry: { [key: string]: Json } = {};
      if (invoke.id !== undefined) entry.id = invoke.id;
      entry.src = invoke.src;
      const done = byTrigger("actorDone", invoke.label);
      const error = byTrigger("actorError", invoke.label);
      const snapshot = byTrigger("actorSnapshot", invoke.label);
      if (done.length) entry.onDone = oneOrMany(done);
      if (error.length) entry.onError = oneOrMany(error);
      if (snapshot.length) entry.onSnapshot = oneOrMany(snapshot);
      return entry;
    });
  }
  const on: { [key: string]: Json } = {};
  for (const t of byTrigger("event")) {
    const event = (t.trigger as { event: string }).event;
    if (!(event in on)) on[event] = oneOrMany(byTrigger("event").filter((u) => (u.trigger as { event: string }).event === event));
  }
  if (Object.keys(on).length) out.on = on;
  const after: { [key: string]: Json } = {};
  for (const t of byTrigger("after")) {
    const delay = (t.trigger as { delay: string }).delay;
    if (!(delay in after)) after[delay] = oneOrMany(byTrigger("after").filter((u) => (u.trigger as { delay: string }).delay === delay));
  }
  if (Object.keys(after).length) out.after = after;
  const always = byTrigger("always");
  if (always.length) out.always = oneOrMany(always);
  const onDone = byTrigger("stateDone");
  if (onDone.length) out.onDone = oneOrMany(onDone);
  if (s.children.length) {
    const states: { [key: string]: Json } = {};
    for (const child of s.children) states[child.key] = statelyState(child, false, machineId);
    out.states = states;
  }
  return out;
}

export function statelyConfig(name: MachineName): { [key: string]: Json } {
  const model = describeMachine(name, machines[name]);
  return statelyState(model.root, true, model.id);
}

export function statelyExport(name: MachineName): string {
  return JSON.stringify(statelyConfig(name), null, 2) + "\n";
}

export function statelyReadme(): string {
  const rows = machineNames.map((name) => {
    const model = describeMachine(name, machines[name]);
    const file = `machines/${name}.machine.ts`;
    return `| [\`${name}.json\`](./${name}.json) | \`${name}Machine\` in [\`${file}\`](../${file}) | ${model.states.size - 1} |`;
  });
  return [
    "# Stately Studio exports",
    "",
    "Generated by `scripts/generate.ts` (`npm run docs`) from the machines in",
    "[`machines/`](../machines): do not edit them by hand. A test",
    "(`tests/unit/generated.test.ts`) fails when they no longer match the machines.",
    "",
    "| file | machine | states |",
    "|---|---|---:|",
    ...rows,
    "",
    "Each file is the machine's config, the object given to `createMachine()`,",
    "with every action, guard, delay and actor by its name in `setup()`. The code",
    "behind those names (and the `context`, `input` and `output` mappers) stays in",
    "`machines/`: Stately Studio shows the names, as its inspector does for the running client.",
    "Targets are absolute (`#connection.closed`); keys come in a fixed order, so a",
    "diff of these files is a diff of the charts.",
    "",
    "Not `machine.toJSON()`: that is XState's internal definition (state order,",
    "resolved transition lists, timer actions), which Studio does not import, and",
    "it leaves out eventless (`always`) transitions.",
    "",
    "## Importing into Stately Studio",
    "",
    "1. In [Stately Studio](https://stately.ai/editor), create a new machine in a project",
    "   (importing into an existing machine overwrites it).",
    "2. Open the **Code** panel and choose **Import** (or **Machine → Import** in the editor menu).",
    "3. Paste the file's contents wrapped in `createMachine(...)`, which is what the importer expects:",
    "",
    "   ```sh",
    "   node -e 'console.log(`createMachine(${require(\"fs\").readFileSync(process.argv[1], \"utf8\")})`)' stately/connection.json",
    "   ```",
    "",
    "The connection machine refers to the backoff and namespace machines by actor",
    "name (`backoff`, `namespace`): import those files as machines of their own.",
    "",
    "To watch the running machines instead, see [docs/inspector.md](../docs/inspector.md).",
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------
// Files

/** What goes between `<!-- KIND:NAME -->` and `<!-- /KIND:NAME -->`, by "KIND:NAME". */
export function generatedBlocks(): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const name of machineNames) blocks.set(`diagram:${name}`, mermaidDiagram(name));
  blocks.set("diagram:actors", actorTreeDiagram());
  blocks.set("table:backoff-schedule", backoffScheduleTable());
  for (const file of readdirSync(path.join(projectRoot, "docs/examples")).filter((name) => name.endsWith(".ts"))) {
    blocks.set(`example:${file.slice(0, -3)}`, exampleBlock(file));
  }
  return blocks;
}

/** A file of docs/examples (type-checked, and run by a test) as a code block, importing the package as users do. */
function exampleBlock(file: string): string {
  const source = readFileSync(path.join(projectRoot, "docs/examples", file), "utf8")
    .replace(/from "\.\.\/\.\.\/adapters\/xstate\.js"/g, 'from "socket.io-client-xstate/xstate"')
    .replace(/from "\.\.\/\.\.\/src\/index\.js"/g, 'from "socket.io-client-xstate"');
  return ["```ts", source.trimEnd(), "```"].join("\n");
}

/** A marker is a line of its own, so that prose may quote one in backticks. */
const MARKER = /^<!-- (diagram|table|example):([\w-]+) -->[ \t]*$/gm;

/** The text with every marked block replaced; problems for unknown or unclosed markers. */
export function fillMarkers(text: string, blocks: Map<string, string>, file = "text"): { text: string; problems: string[] } {
  const problems: string[] = [];
  let out = "";
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    const start = match.index!;
    if (start < last) continue; // inside a block already replaced
    const [line, kind, name] = match as unknown as [string, string, string];
    const opening = `<!-- ${kind}:${name} -->`;
    const closing = `<!-- /${kind}:${name} -->`;
    const closingLine = new RegExp(`^${closing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[ \t]*$`, "m");
    const rest = text.slice(start + line.length);
    const found = closingLine.exec(rest);
    const content = blocks.get(`${kind}:${name}`);
    if (!found) {
      problems.push(`${file}: ${opening} has no ${closing}`);
      continue;
    }
    if (content === undefined) {
      problems.push(`${file}: unknown block ${opening} (known: ${[...blocks.keys()].join(", ")})`);
      continue;
    }
    out += text.slice(last, start) + `${opening}\n${content}\n${closing}`;
    last = start + line.length + found.index + found[0].length;
  }
  return { text: out + text.slice(last), problems };
}

async function markdownFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await markdownFiles(full)));
    else if (entry.name.endsWith(".md")) files.push(full);
  }
  return files;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch {
    return undefined;
  }
}

export interface PlannedFile {
  /** Relative to the project root, with "/" separators. */
  file: string;
  expected: string;
  /** What is there now; undefined when the file is missing. */
  actual: string | undefined;
}

/** Every generated file: what it should contain and what it contains. */
export async function plan(root = projectRoot): Promise<{ files: PlannedFile[]; problems: string[] }> {
  const blocks = generatedBlocks();
  const problems = unnamedImplementations();
  const files: PlannedFile[] = [];
  const relative = (file: string) => path.relative(root, file).split(path.sep).join("/");
  for (const doc of await markdownFiles(path.join(root, "docs"))) {
    const actual = await readFile(doc, "utf8");
    const filled = fillMarkers(actual, blocks, relative(doc));
    problems.push(...filled.problems);
    files.push({ file: relative(doc), expected: filled.text, actual });
  }
  for (const name of machineNames) {
    const file = path.join(root, "stately", `${name}.json`);
    files.push({ file: relative(file), expected: statelyExport(name), actual: await readIfExists(file) });
  }
  const readme = path.join(root, "stately", "README.md");
  files.push({ file: relative(readme), expected: statelyReadme(), actual: await readIfExists(readme) });
  return { files, problems };
}

export const isStale = (f: PlannedFile) => f.actual !== f.expected;

async function main(argv: string[]): Promise<number> {
  const check = argv.includes("--check");
  const { files, problems } = await plan();
  const stale = files.filter(isStale);
  if (check) {
    if (stale.length) {
      console.error(`stale generated files (run \`npm run docs\`):\n${stale.map((f) => `  ${f.file}`).join("\n")}`);
    } else {
      console.log(`${files.length} generated files up to date`);
    }
  } else {
    for (const f of stale) {
      await mkdir(path.dirname(path.join(projectRoot, f.file)), { recursive: true });
      await writeFile(path.join(projectRoot, f.file), f.expected);
      console.log(`wrote ${f.file}`);
    }
    console.log(`${files.length} generated files, ${stale.length} updated`);
  }
  if (problems.length) console.error(`problems:\n${problems.map((p) => `  ${p}`).join("\n")}`);
  return (check && stale.length) || problems.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
