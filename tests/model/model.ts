// The model side of the model-based tests: the product's machines themselves
// (machines/*.machine.ts), run as plain actors with nothing real behind them,
// to generate paths with xstate/graph and to tell which states and transitions
// a path goes through. The paths are executed against the real client
// elsewhere (runner.ts); nothing here talks to a network.
import {
  fromTransition,
  SimulatedClock,
  type AnyActorLogic,
  type AnyStateMachine,
  type AnyStateNode,
  type AnyTransitionDefinition,
  type InspectionEvent,
  type StateValue,
} from "xstate";
import { getShortestPaths, getStateNodes, type TraversalOptions } from "xstate/graph";

/** "active.engine.open" for { active: { engine: "open" } }. */
export function stateText(value: StateValue): string {
  if (typeof value === "string") return value;
  return Object.entries(value)
    .map(([key, child]) => `${key}.${stateText(child as StateValue)}`)
    .join(",");
}

/** The name of a transition of a chart: its source, its event, and its rank among the candidates for that event. */
export function transitionKey(transition: AnyTransitionDefinition): string {
  const { source, eventType } = transition;
  const candidates = eventType === "" ? source.always : source.transitions.get(eventType);
  const rank = candidates?.indexOf(transition) ?? -1;
  const target = transition.target?.map((node: AnyStateNode) => node.id).join(",") ?? "(self)";
  return `${source.id} --${eventType || "(always)"}#${rank}--> ${target}`;
}

/** Every state node (the root excepted) and every transition of a machine, by name. */
export function chartOf(machine: AnyStateMachine): { states: string[]; transitions: string[] } {
  const nodes = [machine.root, ...(getStateNodes(machine.root) as AnyStateNode[])];
  const states = nodes.filter((node) => node !== machine.root).map((node) => node.id);
  const transitions: string[] = [];
  for (const node of nodes) {
    for (const list of node.transitions.values()) for (const transition of list) transitions.push(transitionKey(transition));
    for (const transition of node.always ?? []) transitions.push(transitionKey(transition));
  }
  return { states, transitions };
}

/** What a run of the model went through, per machine id: states entered, transitions taken. */
export class Trace {
  readonly states = new Map<string, Set<string>>();
  readonly transitions = new Map<string, Set<string>>();

  /** An `inspect` observer for createActor. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== "@xstate.microstep" && event.type !== "@xstate.snapshot") return;
    const logic = (event.actorRef as { logic?: { id?: string; root?: AnyStateNode } }).logic;
    const id = logic?.id;
    if (!id || !logic?.root) return;
    if (event.type === "@xstate.microstep") {
      for (const transition of event._transitions) {
        this.add(this.transitions, id, transitionKey(transition));
        // its source was active, even a transient one no snapshot shows
        for (let node: AnyStateNode | undefined = transition.source; node && node !== logic.root; node = node.parent) this.add(this.states, id, node.id);
      }
    }
    const snapshot = event.snapshot as { _nodes?: AnyStateNode[] };
    for (const node of snapshot._nodes ?? []) if (node !== logic.root) this.add(this.states, id, node.id);
  };

  add(map: Map<string, Set<string>>, id: string, key: string): void {
    let set = map.get(id);
    if (!set) map.set(id, (set = new Set()));
    set.add(key);
  }

  merge(other: Trace): void {
    for (const [id, set] of other.states) for (const key of set) this.add(this.states, id, key);
    for (const [id, set] of other.transitions) for (const key of set) this.add(this.transitions, id, key);
  }
}

/**
 * A model as xstate/graph sees it: its state is the list of steps taken so far
 * and what the product's machines made of them (`view`), replayed from the
 * start on fresh actors for every transition (the machines hold actors in
 * their context, which no snapshot copy would keep).
 */
export interface ModelState<V> {
  steps: string[];
  view: V;
}

export interface Model<V> {
  /** Runs `steps` on fresh actors of the product's machines; `inspect` sees every actor. */
  run(steps: readonly string[], inspect?: (event: InspectionEvent) => void): V;
  /** The steps possible from a view: the alphabet of the traversal. */
  steps(view: V): string[];
  /** What identifies a state of the model. */
  key(view: V): string;
}

export function modelLogic<V>(model: Model<V>): AnyActorLogic {
  return fromTransition<ModelState<V>, { type: string }, any, any, any>(
    (state, event) => {
      if (event.type.startsWith("xstate.")) return state;
      const steps = [...state.steps, event.type];
      return { steps, view: model.run(steps) };
    },
    () => ({ steps: [], view: model.run([]) }),
  );
}

type Traversed<V> = { steps: { state: { context: ModelState<V> } }[] };

export interface GeneratedPath {
  steps: string[];
}

function traversal<V>(model: Model<V>): TraversalOptions<any, { type: string }, any> {
  return {
    events: (snapshot: { context: ModelState<V> }) => model.steps(snapshot.context.view).map((type) => ({ type })),
    serializeState: (snapshot: { context: ModelState<V> }) => model.key(snapshot.context.view),
  } as never;
}

/** The shortest path to every state of the model. */
export function shortestPaths<V>(model: Model<V>): GeneratedPath[] {
  const paths = getShortestPaths(modelLogic(model), traversal(model)) as unknown as Traversed<V>[];
  return paths.map((path) => ({ steps: path.steps.at(-1)!.state.context.steps }));
}

/**
 * Edge paths: the shortest path to every state, followed by each step possible
 * there, so that every transition of the model graph is taken. Paths that are
 * the beginning of another are dropped (the longer one takes them too).
 */
export function edgePaths<V>(model: Model<V>): GeneratedPath[] {
  const heads = shortestPaths(model);
  const paths: GeneratedPath[] = [];
  for (const head of heads) {
    const view = model.run(head.steps);
    for (const step of model.steps(view)) paths.push({ steps: [...head.steps, step] });
  }
  return withoutPrefixes(paths);
}

export function withoutPrefixes(paths: GeneratedPath[]): GeneratedPath[] {
  const covered = new Set<string>();
  const kept: GeneratedPath[] = [];
  for (const path of [...paths].sort((a, b) => b.steps.length - a.steps.length)) {
    const key = path.steps.join("\n");
    // the empty path begins every other one
    if (covered.has(key) || (path.steps.length === 0 && kept.length > 0)) continue;
    kept.push(path);
    for (let i = 1; i <= path.steps.length; i++) covered.add(path.steps.slice(0, i).join("\n"));
  }
  return kept.reverse();
}

/**
 * A few paths that together take every transition (of every machine) and every
 * step of the table that all of `paths` take (a step that only repeats a model
 * event, such as a server restart after a network cut, still runs for real):
 * greedy, the path adding the most new transitions and steps first.
 */
export function coveringPaths<V>(model: Model<V>, paths: GeneratedPath[]): GeneratedPath[] {
  const traced = paths.map((path) => {
    const trace = new Trace();
    model.run(path.steps, trace.inspect);
    const keys = new Set<string>();
    for (const [id, set] of trace.transitions) for (const key of set) keys.add(`${id} ${key}`);
    for (const [id, set] of trace.states) for (const key of set) keys.add(`${id} state ${key}`);
    for (const step of path.steps) keys.add(`step ${step}`);
    return { path, keys };
  });
  const covered = new Set<string>();
  const chosen: GeneratedPath[] = [];
  for (;;) {
    let best: (typeof traced)[number] | undefined;
    let gain = 0;
    for (const candidate of traced) {
      let count = 0;
      for (const key of candidate.keys) if (!covered.has(key)) count++;
      if (count > gain || (count === gain && count > 0 && best && candidate.path.steps.length < best.path.steps.length)) {
        best = candidate;
        gain = count;
      }
    }
    if (!best || gain === 0) return chosen;
    chosen.push(best.path);
    for (const key of best.keys) covered.add(key);
  }
}

/** A fresh SimulatedClock: the model's timers never fire by themselves (delayed events are steps). */
export const modelClock = () => new SimulatedClock();
