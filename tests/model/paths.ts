// Test paths generated from a machine with xstate/graph, for replay on a real
// actor. createTestModel refuses machines with invoke/after, so the paths come
// from the traversal functions, and delayed / done events are part of the
// event alphabet (the replay turns them into clock time).
import type { AnyStateMachine, AnyTransitionDefinition, EventObject, Snapshot } from "xstate";
import {
  getAdjacencyMap,
  getShortestPaths,
  getSimplePaths,
  getStateNodes,
  type StatePath,
  type TraversalOptions,
} from "xstate/graph";

/** One step of a path: the event, and the state the model reaches with it. */
export interface ModelStep<TSnapshot, TEvent> {
  event: TEvent;
  state: TSnapshot;
}

export interface ModelPath<TSnapshot, TEvent> {
  initial: TSnapshot;
  steps: ModelStep<TSnapshot, TEvent>[];
}

/** The types of the delayed events of a machine (`xstate.after.<delay>.<state id>`). */
export function afterEventTypes(machine: AnyStateMachine): string[] {
  return getStateNodes(machine.root).flatMap((node) => node.after.map((transition) => transition.eventType));
}

function fromStatePath<TSnapshot extends Snapshot<unknown>, TEvent extends EventObject>(
  path: StatePath<TSnapshot, TEvent>,
): ModelPath<TSnapshot, TEvent> {
  // the first step of a generated path is the initial state, reached by xstate.init
  const [first, ...rest] = path.steps;
  return { initial: first!.state, steps: rest.map(({ event, state }) => ({ event, state })) };
}

/**
 * Transition coverage: for every reachable state, its shortest path followed
 * by each event the state accepts (so every edge of the graph is taken once).
 */
export function edgePaths<TSnapshot extends Snapshot<unknown>, TEvent extends EventObject, TInput>(
  machine: AnyStateMachine,
  options: TraversalOptions<TSnapshot, TEvent, TInput> & { serializeState: (state: TSnapshot) => string },
): ModelPath<TSnapshot, TEvent>[] {
  const logic = machine as never;
  const shortest = (getShortestPaths(logic, options as never) as unknown as StatePath<TSnapshot, TEvent>[]).map(fromStatePath);
  const bySerializedState = new Map(shortest.map((path) => [options.serializeState(path.steps.at(-1)?.state ?? path.initial), path]));
  const adjacency = getAdjacencyMap(logic, options as never) as unknown as Record<string, { transitions: Record<string, { event: TEvent; state: TSnapshot }> }>;
  const paths: ModelPath<TSnapshot, TEvent>[] = [];
  for (const [serialized, { transitions }] of Object.entries(adjacency)) {
    const head = bySerializedState.get(serialized);
    if (!head) throw new Error(`no shortest path to ${serialized}`);
    for (const { event, state } of Object.values(transitions)) paths.push({ initial: head.initial, steps: [...head.steps, { event, state }] });
  }
  return withoutPrefixes(paths);
}

/** Drops the paths that are the beginning of a longer one: replaying the longer one takes them too. */
function withoutPrefixes<TSnapshot, TEvent extends EventObject>(paths: ModelPath<TSnapshot, TEvent>[]): ModelPath<TSnapshot, TEvent>[] {
  const covered = new Set<string>();
  const kept: ModelPath<TSnapshot, TEvent>[] = [];
  for (const path of [...paths].sort((a, b) => b.steps.length - a.steps.length)) {
    const keys = path.steps.map(({ event }) => describeEvent(event));
    if (covered.has(keys.join(" -> "))) continue;
    kept.push(path);
    for (let i = 1; i <= keys.length; i++) covered.add(keys.slice(0, i).join(" -> "));
  }
  return kept;
}

/** Every simple path (no state visited twice) from the initial state. */
export function simplePaths<TSnapshot extends Snapshot<unknown>, TEvent extends EventObject, TInput>(
  machine: AnyStateMachine,
  options: TraversalOptions<TSnapshot, TEvent, TInput>,
): ModelPath<TSnapshot, TEvent>[] {
  return (getSimplePaths(machine as never, options as never) as unknown as StatePath<TSnapshot, TEvent>[]).map(fromStatePath);
}

/** A path as text, for failure messages. */
export function describePath(path: ModelPath<unknown, EventObject>): string {
  return path.steps.map(({ event }) => describeEvent(event)).join(" -> ");
}

function describeEvent(event: EventObject): string {
  const { type, ...rest } = event as EventObject & Record<string, unknown>;
  const details = Object.entries(rest)
    .filter(([, value]) => !(value instanceof Error))
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return details.length ? `${type}(${details.join(", ")})` : type;
}

/** A transition of the chart as text: its source, its event, and its rank among the candidates for that event. */
export function transitionKey(transition: AnyTransitionDefinition): string {
  const { source, eventType } = transition;
  const candidates = eventType === "" ? source.always : source.transitions.get(eventType);
  return `${source.id} on ${eventType || "(always)"} #${candidates?.indexOf(transition)}`;
}
