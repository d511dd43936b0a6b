// Runs an XState chart over plain records: the lifecycle stays the machine's
// (its states, guards, actions and delays, by name), while each instance is a
// small mutable object instead of an actor with snapshots. Used where there
// are many short-lived instances on the hot path (pending acknowledgements).
//
// Supported: nested (compound) and final states, `on`, `always`, one named
// `after` delay per state (on a single active branch), `reenter`, and
// entry/exit/transition actions and guards referenced by name, without params.
// Anything else (an inline guard or action, params, a builtin such as stateIn,
// a wildcard event, a parallel or history state, several targets) is refused
// when the chart is compiled, with an error that names it. The state tree is
// read through xstate's exported types only. The parity tests run the
// registry that uses it against the XState actor of the same machine.
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition, EventObject } from "xstate";

/** The fields the interpreter keeps on each record. */
export interface ChartRecord {
  /** The active leaf state. */
  state: StateInfo;
  /** The handle of the pending `after` timer, if any. */
  timer: unknown;
}

export interface Implementations<R, E extends EventObject> {
  guards: Record<string, (record: R, event: E) => boolean>;
  actions: Record<string, (record: R, event: E) => void>;
  delays: Record<string, (record: R) => number>;
  /** Arms a timer that calls `fire(record, eventType)`; returns its handle. */
  setTimer(record: R, ms: number, eventType: string): unknown;
  clearTimer(handle: unknown, record: R): void;
}

export interface StateInfo {
  readonly id: string;
  /** The state's path from the root, dotted, e.g. "pending.buffered". */
  readonly path: string;
  readonly parent: StateInfo | undefined;
  readonly final: boolean;
  readonly entry: string[];
  readonly exit: string[];
  readonly after: { delay: string; eventType: string } | undefined;
  readonly on: Map<string, TransitionInfo[]>;
  readonly always: TransitionInfo[];
  /** For a compound state: the child entered by default. */
  initial: StateInfo | undefined;
}

interface TransitionInfo {
  readonly source: StateInfo;
  readonly target: StateInfo | undefined;
  readonly guard: string | undefined;
  readonly actions: string[];
  readonly reenter: boolean;
  /** The exits and entries of this transition from each leaf, computed once. */
  readonly steps: Map<StateInfo, Step>;
}

interface Step {
  exits: StateInfo[];
  entries: StateInfo[];
}

export interface CompiledChart<R extends ChartRecord, E extends EventObject> {
  readonly states: ReadonlyMap<string, StateInfo>;
  /** Enters the initial state (and follows `always` transitions). */
  start(record: R, event: E): void;
  /** Takes the first enabled transition for `event`; returns whether one was taken. */
  send(record: R, event: E): boolean;
  /** Whether the record reached a final state. */
  isDone(record: R): boolean;
}

/** The actions XState adds for an `after` delay (raise the delayed event, cancel it): the interpreter's timer stands for them. */
const DELAY_ACTIONS: ReadonlySet<unknown> = new Set(["xstate.raise", "xstate.cancel"]);

function refused(what: string, where: string): Error {
  return new Error(`chart interpreter: ${what} in ${where} is not supported`);
}

/** The names of `actions`, refusing what is not a named action without params. */
function actionNames(actions: readonly unknown[], where: string, { delayActions = false } = {}): string[] {
  const names: string[] = [];
  for (const action of actions) {
    if (typeof action === "string") names.push(action);
    else if (delayActions && typeof action === "function" && DELAY_ACTIONS.has((action as { type?: unknown }).type)) continue;
    else if (typeof action === "function") throw refused(`the inline or builtin action ${String((action as { type?: unknown }).type ?? "(anonymous)")}`, where);
    else throw refused(`the action ${JSON.stringify((action as { type?: unknown })?.type)} with params`, where);
  }
  return names;
}

function guardName(guard: unknown, where: string): string | undefined {
  if (guard === undefined || typeof guard === "string") return guard;
  if (typeof guard === "function") throw refused(`the inline or builtin guard ${String((guard as { type?: unknown }).type ?? "(anonymous)")}`, where);
  throw refused(`the guard ${JSON.stringify((guard as { type?: unknown })?.type)} with params`, where);
}

export function compileChart<R extends ChartRecord, E extends EventObject>(
  machine: AnyStateMachine,
  impl: Implementations<R, E>,
): CompiledChart<R, E> {
  const states = new Map<string, StateInfo>();

  const infoOf = (node: AnyStateNode, parent: StateInfo | undefined): StateInfo => {
    if (node.type === "parallel" || node.type === "history") throw refused(`the ${node.type} state`, node.id);
    // one entry per guarded transition; all of them must share one delay
    const after = node.after;
    if (new Set(after.map((t) => t.delay)).size > 1) throw refused("more than one delay", node.id);
    if (after[0] && typeof after[0].delay !== "string") throw refused("a delay that is not named", node.id);
    const info: StateInfo = {
      id: node.id,
      path: node.path.join("."),
      parent,
      final: node.type === "final",
      entry: actionNames(node.entry, `the entry of ${node.id}`, { delayActions: true }),
      exit: actionNames(node.exit, `the exit of ${node.id}`, { delayActions: true }),
      after: after[0] ? { delay: after[0].delay as string, eventType: after[0].eventType } : undefined,
      on: new Map(),
      always: [],
      initial: undefined,
    };
    states.set(node.id, info);
    for (const child of Object.values(node.states) as AnyStateNode[]) infoOf(child, info);
    return info;
  };
  const root = infoOf(machine.root, undefined);

  const transitionOf = (t: AnyTransitionDefinition): TransitionInfo => {
    const where = `a transition of ${t.source.id} on ${t.eventType || "(always)"}`;
    if (t.target && t.target.length > 1) throw refused("several targets", where);
    return {
      source: states.get(t.source.id)!,
      target: t.target?.[0] ? states.get(t.target[0].id)! : undefined,
      guard: guardName(t.guard, where),
      actions: actionNames(t.actions, where),
      reenter: t.reenter,
      steps: new Map(),
    };
  };
  const link = (node: AnyStateNode) => {
    const info = states.get(node.id)!;
    for (const [eventType, list] of node.transitions) {
      if (eventType === "*" || eventType.endsWith(".*")) throw refused(`the wildcard event "${eventType}"`, node.id);
      info.on.set(eventType, list.map(transitionOf));
    }
    for (const t of node.always ?? []) info.always.push(transitionOf(t));
    if (node.type === "compound") info.initial = states.get(node.initial.target[0]!.id);
    for (const child of Object.values(node.states) as AnyStateNode[]) link(child);
  };
  link(machine.root);

  // every name the chart uses must be implemented, so that a renamed action fails at load, not at run time
  for (const info of states.values()) {
    for (const name of [...info.entry, ...info.exit]) if (!impl.actions[name]) throw missing("action", name);
    if (info.after && !impl.delays[info.after.delay]) throw missing("delay", info.after.delay);
    for (const t of [...[...info.on.values()].flat(), ...info.always]) {
      if (t.guard && !impl.guards[t.guard]) throw missing("guard", t.guard);
      for (const name of t.actions) if (!impl.actions[name]) throw missing("action", name);
    }
  }

  const isAncestor = (ancestor: StateInfo, node: StateInfo): boolean => {
    for (let n = node.parent; n; n = n.parent) if (n === ancestor) return true;
    return false;
  };
  /** XState's transition domain: the state whose descendants the transition exits and enters. */
  const domainOf = (t: TransitionInfo, target: StateInfo): StateInfo => {
    if (!t.reenter && (target === t.source || isAncestor(t.source, target))) return t.source;
    for (let n = t.source.parent; n; n = n.parent) {
      if (isAncestor(n, target)) return n;
    }
    return root;
  };
  const stepOf = (t: TransitionInfo, leaf: StateInfo): Step => {
    let step = t.steps.get(leaf);
    if (step) return step;
    const target = t.target!;
    const domain = domainOf(t, target);
    const exits: StateInfo[] = [];
    for (let n: StateInfo | undefined = leaf; n && n !== domain; n = n.parent) exits.push(n);
    const entries: StateInfo[] = [];
    for (let n: StateInfo | undefined = target; n && n !== domain; n = n.parent) entries.unshift(n);
    for (let n = target.initial; n; n = n.initial) entries.push(n);
    step = { exits, entries };
    t.steps.set(leaf, step);
    return step;
  };

  const run = (names: string[], record: R, event: E) => {
    for (let i = 0; i < names.length; i++) impl.actions[names[i]!]!(record, event);
  };
  const enter = (record: R, node: StateInfo, event: E) => {
    run(node.entry, record, event);
    if (node.after) {
      const ms = impl.delays[node.after.delay]!(record);
      record.timer = ms < Infinity ? impl.setTimer(record, ms, node.after.eventType) : undefined;
    }
  };
  const exit = (record: R, node: StateInfo, event: E) => {
    if (node.after && record.timer !== undefined) {
      impl.clearTimer(record.timer, record);
      record.timer = undefined;
    }
    run(node.exit, record, event);
  };
  const enabled = (list: readonly TransitionInfo[] | undefined, record: R, event: E) => {
    if (list === undefined) return undefined;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (t.guard === undefined || impl.guards[t.guard]!(record, event)) return t;
    }
    return undefined;
  };
  const take = (record: R, t: TransitionInfo, event: E) => {
    if (!t.target) {
      run(t.actions, record, event);
      return;
    }
    const { exits, entries } = stepOf(t, record.state);
    for (let i = 0; i < exits.length; i++) exit(record, exits[i]!, event);
    run(t.actions, record, event);
    record.state = entries[entries.length - 1] ?? t.target;
    for (let i = 0; i < entries.length; i++) enter(record, entries[i]!, event);
  };
  const settle = (record: R, event: E) => {
    // eventless transitions, innermost first, until none is enabled
    for (let guard = 0; guard < 100; guard++) {
      let t: TransitionInfo | undefined;
      for (let n: StateInfo | undefined = record.state; n && !t; n = n.parent) t = enabled(n.always, record, event);
      if (!t) return;
      take(record, t, event);
    }
    throw new Error("chart interpreter: eventless transitions do not settle");
  };

  const initialEntries: StateInfo[] = [];
  for (let n = root.initial; n; n = n.initial) initialEntries.push(n);

  return {
    states,
    start(record, event) {
      record.state = initialEntries[initialEntries.length - 1]!;
      for (let i = 0; i < initialEntries.length; i++) enter(record, initialEntries[i]!, event);
      settle(record, event);
    },
    send(record, event) {
      let t: TransitionInfo | undefined;
      for (let n: StateInfo | undefined = record.state; n && !t; n = n.parent) t = enabled(n.on.get(event.type), record, event);
      if (!t) return false;
      take(record, t, event);
      settle(record, event);
      return true;
    },
    isDone(record) {
      return record.state.final && record.state.parent === root;
    },
  };
}

function missing(kind: string, name: string) {
  return new Error(`chart interpreter: no implementation for ${kind} "${name}"`);
}
