// Model-based tests of the connection machine: paths generated from the chart
// with xstate/graph are replayed on a real actor (test transport,
// SimulatedClock), checking on every step that the actor is where the model
// says and that the invariants of a Manager hold.
import * as parser from "socket.io-parser";
import { describe, expect, it } from "vitest";
import { holds, same } from "./check.js";
import type { SnapshotFrom } from "xstate";
import { getStateNodes } from "xstate/graph";
import { backoffMachine, type BackoffOutput } from "../../machines/backoff.machine.js";
import {
  connectionMachine,
  type ConnectionEmitted,
  type ConnectionEvent,
  type ConnectionSettings,
} from "../../machines/connection.machine.js";
import type { Parser } from "../../machines/transport.js";
import { exactSettings, fakeTransportHandle, startConnection, testTransport, type ConnectionHarness } from "../machine-harness.js";
import { afterEventTypes, describePath, edgePaths, type ModelPath, simplePaths, transitionKey } from "./paths.js";

// The model has no namespace actors, so its broadcasts reach nobody; and they look the namespaces up among
// the children of `self`, which in a traversal is xstate/graph's empty mock actor (no children: it throws).
// What the namespaces are told is checked on the real actor by tests/unit/connection.machine.test.ts.
const toNobody = () => {};
const machine = connectionMachine.provide({
  actors: { transport: testTransport().logic },
  actions: {
    announceOpen: toNobody,
    greetNamespace: toNobody,
    announceFailure: toNobody,
    announceError: toNobody,
    announceClose: toNobody,
    announceForcedClose: toNobody,
    announceAbandoned: toNobody,
  },
});
type Snapshot = SnapshotFrom<typeof machine>;
type Path = ModelPath<Snapshot, ConnectionEvent>;

const delayedEventTypes = afterEventTypes(machine);
const connectTimeoutEvent = delayedEventTypes.find((type) => type.startsWith("xstate.after.connectTimeout."));
if (!connectTimeoutEvent || delayedEventTypes.length !== 1) throw new Error(`unexpected delayed events: ${delayedEventTypes}`);

/** The backoff the model invoked (created, not started, by the traversal): how it would end. */
function backoffOutcome(snapshot: Snapshot): BackoffOutput | undefined {
  const backoff = snapshot.children.backoff?.getSnapshot() as SnapshotFrom<typeof backoffMachine> | undefined;
  if (!backoff) return undefined;
  return backoff.status === "done" ? (backoff.output as BackoffOutput) : { attempt: backoff.context.attempt, exhausted: false };
}

/** Every event the outside world can send, plus the delayed and done events (turned into clock time by the replay). */
function alphabet(snapshot: Snapshot): ConnectionEvent[] {
  const outcome = backoffOutcome(snapshot);
  return [
    { type: "transport.created", transport: fakeTransportHandle() },
    { type: "transport.opened" },
    { type: "transport.error", error: new Error("xhr poll error") },
    { type: "transport.closed", reason: "transport close" },
    { type: "transport.ping" },
    { type: "api.open" },
    { type: "api.close" },
    { type: "api.configure", settings: { reconnection: false } },
    { type: "api.configure", settings: { reconnection: true } },
    { type: "api.configure", settings: { reconnectionAttempts: 0 } },
    { type: "namespace.activated", nsp: "/a" },
    { type: "namespace.deactivated", nsp: "/a" },
    { type: "namespace.activated", nsp: "/b" },
    { type: "namespace.deactivated", nsp: "/b" },
    { type: connectTimeoutEvent } as unknown as ConnectionEvent,
    // what the backoff actor says when its delay elapses
    ...(outcome ? [{ type: "xstate.done.actor.backoff", output: outcome } as const] : []),
  ];
}

const serializeState = (snapshot: Snapshot) =>
  JSON.stringify([
    snapshot.value,
    snapshot.context.attempt,
    snapshot.context.settings.reconnection,
    snapshot.context.settings.reconnectionAttempts,
    snapshot.context.activeNamespaces,
  ]);

interface Config {
  settings: ConnectionSettings;
  autoConnect: boolean;
}

function traversal({ settings, autoConnect }: Config, keep: (event: ConnectionEvent) => boolean = () => true) {
  return {
    input: { uri: "http://127.0.0.1:1", engineOptions: {}, parser: parser as unknown as Parser, settings, autoConnect },
    events: (snapshot: Snapshot) => alphabet(snapshot).filter(keep),
    filterEvents: (snapshot: Snapshot, event: ConnectionEvent) => snapshot.can(event),
    serializeState,
  };
}

const inEngine = (s: Snapshot) => s.matches({ active: "engine" });
const inCreating = (s: Snapshot) => s.matches({ active: { engine: "creating" } });
const inOpen = (s: Snapshot) => s.matches({ active: { engine: "open" } });
const inOpening = (s: Snapshot) => s.matches({ active: { engine: "opening" } });
const inWaiting = (s: Snapshot) => s.matches({ active: "waiting" });
/** Whether another attempt may follow (the guard canReconnect, as the spec states it). */
const attemptLeft = (s: Snapshot) => s.context.settings.reconnection && s.context.attempt + 1 <= s.context.settings.reconnectionAttempts;
/** The events by which the low-level connection fails or is lost, as opposed to being closed on purpose. */
const isTransportFailure = (event: ConnectionEvent) =>
  event.type === "transport.error" || event.type === "transport.closed" || event.type === connectTimeoutEvent;

/** Makes the real actor take the step the model took. */
function apply(h: ConnectionHarness, event: ConnectionEvent) {
  const type = event.type as string;
  if (type === connectTimeoutEvent) {
    const { timeout } = h.state().context.settings;
    if (timeout === false) throw new Error("the model took a connect timeout that is off");
    h.clock.increment(timeout - 1);
    same(inOpening(h.state()), true, "the connect timeout fired early");
    h.clock.increment(1);
  } else if (event.type === "xstate.done.actor.backoff") {
    const backoff = h.state().children.backoff;
    holds(backoff !== undefined, "a backoff child while waiting");
    const { delay } = (backoff!.getSnapshot() as { context: { delay: number } }).context;
    h.clock.increment(Math.max(0, delay - 1));
    if (delay > 0) same(inWaiting(h.state()), true, "the backoff elapsed early");
    h.clock.increment(delay > 0 ? 1 : 0);
  } else if (type.startsWith("transport.")) {
    const live = h.transport.live();
    same(live.length, 1, "the model sends a transport event: one transport must be running");
    live[0]!.send(event as never);
  } else {
    h.actor.send(event);
  }
}

/** Where the real actor must be after the model reached `model`. */
function expectSameState(real: Snapshot, model: Snapshot) {
  same(real.value, model.value, "state");
  same(real.context.attempt, model.context.attempt, "attempt");
  same(real.context.activeNamespaces, model.context.activeNamespaces, "active namespaces");
  same(real.context.settings.reconnection, model.context.settings.reconnection, "reconnection");
  same(real.context.settings.reconnectionAttempts, model.context.settings.reconnectionAttempts, "reconnectionAttempts");
}

interface Step {
  before: Snapshot;
  after: Snapshot;
  event: ConnectionEvent;
  /** What the actor emitted during the step. */
  fresh: ConnectionEmitted[];
  /** How many transport runs had started before the step. */
  runsBefore: number;
}

/** The invariants of one step. */
function checkStep(h: ConnectionHarness, { before, after, event, fresh, runsBefore }: Step, loop: { attempt: number }) {
  const types = fresh.map((emitted) => emitted.type);
  const count = (type: ConnectionEmitted["type"]) => types.filter((t) => t === type).length;

  // one low-level connection at most, and only in `engine`; a new one exactly when `engine` is entered
  const live = h.transport.live();
  same(live.length, inEngine(after) ? 1 : 0, "live transports");
  same("transport" in after.children, inEngine(after), "transport child iff in engine");
  same(h.transport.runs.length - runsBefore, !inEngine(before) && inEngine(after) ? 1 : 0, "a transport starts iff engine is entered");
  // a backoff only while waiting, and one that is still running: canReconnect decides before a backoff is invoked
  // (settings changed while waiting apply from the next wait on)
  same("backoff" in after.children, inWaiting(after), "backoff child iff waiting");
  if (inWaiting(after)) same(after.children.backoff!.getSnapshot().status, "active", "backoff still running");
  if (!inWaiting(before) && inWaiting(after)) holds(attemptLeft(after), "starts waiting only for an attempt that is allowed");

  // reconnect_attempt when a reconnection attempt's engine starts, and nothing else then; its numbers count 1, 2, ... within a loop
  const attemptStarts = !inEngine(before) && inEngine(after) && after.context.attempt > 0;
  same(count("reconnect_attempt"), attemptStarts ? 1 : 0, "reconnect_attempt iff a reconnection attempt starts");
  if (count("reconnect_attempt")) same(types, ["reconnect_attempt"], "starting an attempt emits reconnect_attempt only");
  for (const emitted of fresh) {
    if (emitted.type === "reconnect_attempt") {
      same(emitted.attempt, loop.attempt + 1, "reconnect_attempt number");
      loop.attempt = emitted.attempt;
    }
  }
  if (!inCreating(after) && !inOpening(after) && !inWaiting(after)) loop.attempt = 0;
  same(after.context.attempt, loop.attempt, "attempt > 0 iff reconnecting");

  // emitted events match the transition taken
  same(count("open"), !inOpen(before) && inOpen(after) ? 1 : 0, "open iff the step entered open");
  if (count("reconnect")) {
    holds(before.context.attempt > 0, "reconnect only after an attempt");
    same(fresh, [{ type: "open" }, { type: "reconnect", attempt: before.context.attempt }], "open, then reconnect(attempt)");
  }
  if (inOpen(before) && !inOpen(after)) same(count("close"), 1, "leaving open emits close");
  if (inOpening(before) && !inEngine(after)) {
    same(count("error") + count("close"), 1, "a failed or closed attempt emits error or close");
  }
  fresh.forEach((event, i) => {
    if (event.type === "reconnect_error") {
      same(fresh[i - 1], { type: "error", error: event.error }, "reconnect_error follows its error");
      holds(before.context.attempt > 0, "reconnect_error only on a reconnection attempt");
    }
  });
  // a failed attempt or a lost connection ends the loop iff no attempt is left; with reconnection on, that is reconnect_failed, last
  const failure = (inOpening(before) && isTransportFailure(event)) || (inOpen(before) && event.type === "transport.closed");
  if (failure) same(after.value === "closed", !attemptLeft(before), "a failure closes iff no attempt is left");
  same(count("reconnect_failed"), failure && after.value === "closed" && before.context.settings.reconnection ? 1 : 0, "reconnect_failed");
  if (count("reconnect_failed")) same(types.at(-1), "reconnect_failed", "reconnect_failed comes last");
  if (JSON.stringify(before.value) === JSON.stringify(after.value)) {
    same(types.every((type) => type === "ping" || (type === "error" && inOpen(after))), true, `no transition, yet ${types}`);
  }
}

const loopEventTypes = ["reconnect_attempt", "reconnect", "reconnect_error", "reconnect_failed", "close"];

/**
 * Each reconnect_attempt is followed by reconnect, reconnect_error or close before anything else of the loop
 * happens, unless the loop was abandoned before the attempt's engine was created ("abandoned" in `story`).
 */
function checkReconnectOutcomes(story: string[]) {
  story.forEach((type, i) => {
    const next = story[i + 1];
    if (type === "reconnect_attempt" && next) {
      holds(["reconnect", "reconnect_error", "close", "abandoned"].includes(next), `reconnect_attempt followed by ${next}`);
    }
  });
}

/** Replays `path` on a real actor; `taken` collects the transitions of the chart it took. */
function replay(path: Path, config: Config, taken?: Set<string>) {
  const h = startConnection({
    settings: config.settings,
    autoConnect: config.autoConnect,
    // the model creates engines with transport.created, one of its events
    createAtStart: false,
    inspect: (inspection) => {
      // the connection actor's own transitions (it is the root of the system)
      if (taken && inspection.type === "@xstate.microstep" && inspection.actorRef.sessionId === inspection.rootId) {
        for (const transition of inspection._transitions) taken.add(transitionKey(transition));
      }
    },
  });
  try {
    expectSameState(h.state(), path.initial);
    const loop = { attempt: 0 };
    const story: string[] = [];
    let before = h.state();
    for (const step of path.steps) {
      const seen = h.emitted.length;
      const runsBefore = h.transport.runs.length;
      apply(h, step.event);
      const after = h.state();
      expectSameState(after, step.state);
      const fresh = h.emitted.slice(seen);
      checkStep(h, { before, after, event: step.event, fresh, runsBefore }, loop);
      story.push(...fresh.map((event) => event.type).filter((type) => loopEventTypes.includes(type)));
      if (inCreating(before) && !inEngine(after)) story.push("abandoned");
      before = after;
    }
    checkReconnectOutcomes(story);
    h.stop();
    same(h.transport.live().length, 0, "no transport left running once stopped");
  } catch (error) {
    h.stop();
    (error as Error).message += `\n  path: ${describePath(path)}`;
    throw error;
  }
}

const configs: Array<[string, Config]> = [
  ["autoConnect, 2 attempts, jitter 0.5", { autoConnect: true, settings: { ...exactSettings, reconnectionAttempts: 2, randomizationFactor: 0.5 } }],
  ["no autoConnect, 1 attempt, no jitter", { autoConnect: false, settings: { ...exactSettings, reconnectionAttempts: 1 } }],
  ["no reconnection", { autoConnect: true, settings: { ...exactSettings, reconnection: false, reconnectionAttempts: 1 } }],
];

describe("connection machine, generated paths", () => {
  it.each(configs)("every transition of every reachable state keeps the invariants (%s)", (_, config) => {
    const paths = edgePaths(machine, traversal(config));
    expect(paths.length).toBeGreaterThan(800);
    for (const path of paths) replay(path, config);
  });

  it("every simple path without namespaces or reconfiguration keeps the invariants", () => {
    const config = configs[0]![1];
    const paths = simplePaths(machine, traversal(config, (event) => !("nsp" in event) && event.type !== "api.configure"));
    expect(paths.length).toBeGreaterThan(400);
    for (const path of paths) replay(path, config);
  });

  // one setting changed at run time per test: both together give some 40 000 simple paths
  it.each<[string, (settings: Partial<ConnectionSettings>) => boolean]>([
    ["reconnection turned off and on", (settings) => "reconnection" in settings],
    ["reconnectionAttempts lowered", (settings) => "reconnectionAttempts" in settings],
  ])("every simple path with %s, without namespaces, keeps the invariants", (_, changes) => {
    const config: Config = { autoConnect: true, settings: { ...exactSettings, reconnectionAttempts: 1 } };
    const paths = simplePaths(machine, traversal(config, (event) => !("nsp" in event) && (event.type !== "api.configure" || changes(event.settings))));
    expect(paths.length).toBeGreaterThan(600);
    for (const path of paths) replay(path, config);
  });

  it("the replayed paths take every transition of the chart that the model can", () => {
    const taken = new Set<string>();
    for (const [, config] of configs) for (const path of edgePaths(machine, traversal(config))) replay(path, config, taken);
    const nodes = [machine.root, ...getStateNodes(machine.root)];
    const all = nodes.flatMap((node) => [...node.transitions.values(), node.always ?? []].flat()).map(transitionKey);
    // outside the model's alphabet (tests/unit/connection.machine.test.ts has them): spawning, the data plane,
    // and a backoff exhausted when invoked, which canReconnect rules out
    const outsideModel = [
      "connection on api.createNamespace #0",
      "connection on api.dispose #0",
      "connection.active.engine on namespace.send #0",
      "connection.active.engine on transport.unsendable #0",
      "connection.active.engine.open on transport.packet #0",
      "connection.active.waiting on xstate.done.actor.backoff #0",
    ];
    for (const key of outsideModel) expect(all).toContain(key);
    expect(all.length).toBeGreaterThan(30);
    expect([...taken].sort()).toEqual(all.filter((key) => !outsideModel.includes(key)).sort());
  });

  it("the generated paths reach every state of the chart", () => {
    const reached = new Set<string>();
    for (const [, config] of configs) {
      for (const path of edgePaths(machine, traversal(config))) {
        for (const { state } of [{ state: path.initial }, ...path.steps]) {
          for (const node of state._nodes) reached.add(node.id);
        }
      }
    }
    // a state left in the same macrostep by an unguarded eventless transition is never observed
    const observable = [machine.root, ...getStateNodes(machine.root)]
      .filter((node) => !node.always?.some((transition) => !transition.guard))
      .map((node) => node.id);
    expect(observable).toContain("connection.active.waiting");
    expect(observable).toContain("connection.active.engine.creating");
    expect([...reached].sort()).toEqual(observable.sort());
  });
});
