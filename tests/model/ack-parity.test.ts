// Model-based parity of the two runners of the ack chart: every path that
// xstate/graph generates from machines/ack.machine.ts is replayed on (a) the
// machine as an XState actor on a simulated clock and (b) the chart
// interpreter that src/ack-registry.ts uses (compileChart), with recording
// implementations mirroring the registry's. Both must go through the same
// states, with the same tries, and run the same named actions in the same order.
import { createActor, enqueueActions, SimulatedClock, type AnyStateNode, type StateValue } from "xstate";
import { getShortestPaths, getSimplePaths, type StatePath } from "xstate/graph";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ackGuards, ackMachine, type AckData, type AckEvent, type AckInput } from "../../machines/ack.machine.js";
import { compileChart, type ChartRecord } from "../../src/chart-interpreter.js";

type Event = AckEvent | { type: string };
type Snapshot = ReturnType<ReturnType<typeof createActor<typeof ackMachine>>["getSnapshot"]>;

const EFFECTS = ["transmit", "discardUnsentPacket", "deliverResponse", "deliverTimeoutError", "deliverDisconnectError", "deliverFailure"] as const;
const HUGE = 1e15;

/** What one action did: its name, the event it ran for, and the tries it saw. */
const entry = (name: string, event: { type: string }, tries: number) => `${name}(${event.type}, tries ${tries})`;

/** The delayed events of the chart, as xstate/graph and the interpreter name them. */
function delayedEventTypes(node: AnyStateNode): string[] {
  const own = (node.after as Array<{ eventType: string }>).map((t) => t.eventType);
  return [...new Set([...own, ...Object.values(node.states).flatMap(delayedEventTypes)])];
}
const DELAYED = delayedEventTypes(ackMachine.root);
const isDelayed = (type: string) => type.startsWith("xstate.after.");

const EVENTS: Event[] = [
  { type: "packet.sent" },
  { type: "ack.received", args: ["answer", { n: 1 }] },
  { type: "connection.lost" },
  { type: "queue.turn" },
  { type: "socket.inactive" },
  ...DELAYED.map((type) => ({ type })),
];

/** "pending.buffered" for { pending: "buffered" }. */
function pathOf(value: StateValue): string {
  if (typeof value === "string") return value;
  const [key, child] = Object.entries(value)[0]!;
  return `${key}.${pathOf(child as StateValue)}`;
}

/** (a) The machine as an actor; its effects (empty in the machine) and its own countTry, recorded. */
function actorRunner(input: AckInput) {
  const clock = new SimulatedClock();
  const log: string[] = [];
  const recorders = Object.fromEntries(
    EFFECTS.map((name) => [name, ({ context, event }: { context: AckData; event: { type: string } }) => log.push(entry(name, event, context.tries))]),
  );
  // the machine's own countTry, followed by a record of it
  const countTry = ackMachine.implementations.actions["countTry"]!;
  const machine = ackMachine.provide({
    actions: {
      ...recorders,
      countTry: enqueueActions(({ enqueue }) => {
        enqueue(countTry as Parameters<typeof enqueue>[0]);
        enqueue(({ context, event }) => log.push(entry("countTry", event, context.tries)));
      }),
    },
  });
  const actor = createActor(machine, { clock, input });
  return {
    log,
    start: () => actor.start(),
    send: (event: Event) => actor.send(event as AckEvent),
    elapse: (ms: number) => clock.increment(ms),
    state: () => pathOf(actor.getSnapshot().value),
    tries: () => actor.getSnapshot().context.tries,
    done: () => actor.getSnapshot().status === "done",
  };
}

interface Record extends ChartRecord, AckData {}

/** (b) The chart interpreter with implementations mirroring src/ack-registry.ts, on fake timers. */
function interpreterRunner(input: AckInput) {
  const log: string[] = [];
  const record = (name: string) => (r: Record, event: Event) => {
    log.push(entry(name, event, r.tries));
  };
  const chart = compileChart<Record, Event>(ackMachine, {
    guards: {
      queuedForRetries: ackGuards.queuedForRetries,
      transmitted: ackGuards.transmitted,
      expectsError: ackGuards.expectsError,
      retriesLeft: ackGuards.retriesLeft,
      stillBuffered: (r) => r.state.id === "ack.pending.buffered",
    },
    delays: { ackTimeout: (r) => r.timeout ?? Infinity },
    actions: {
      countTry: (r, event) => {
        r.tries++;
        log.push(entry("countTry", event, r.tries));
      },
      ...Object.fromEntries(EFFECTS.map((name) => [name, record(name)])),
    },
    setTimer: (r, ms, eventType) =>
      setTimeout(() => {
        r.timer = undefined;
        chart.send(r, { type: eventType });
      }, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  });
  const r = { state: undefined, timer: undefined, ...input, tries: 0 } as unknown as Record;
  return {
    log,
    start: () => chart.start(r, { type: "xstate.init" }),
    send: (event: Event) => chart.send(r, event),
    elapse: (ms: number) => vi.advanceTimersByTime(ms),
    state: () => r.state.path,
    tries: () => r.tries,
    done: () => chart.isDone(r),
    hasTimer: () => r.timer !== undefined,
  };
}

/** The inputs: with and without timeout, retries off/0/1/2, both kinds of callback, sent at once or buffered. */
const INPUTS: AckInput[] = [];
for (const timeout of [undefined, 100])
  for (const retries of [undefined, 0, 1, 2])
    for (const expectsError of [true, false])
      for (const transmitted of [true, false]) INPUTS.push({ id: 3, timeout, retries, expectsError, transmitted });

const describeInput = (i: AckInput) =>
  `timeout ${i.timeout ?? "none"}, retries ${i.retries ?? "off"}, ${i.expectsError ? "error-first" : "plain"} callback, ${i.transmitted ? "transmitted" : "buffered"}`;

function pathsOf(input: AckInput, generate: typeof getSimplePaths) {
  return generate(ackMachine, {
    input,
    events: EVENTS as AckEvent[],
    // without a timeout the delay is infinite: no delayed event can happen
    filterEvents: (_snapshot, event) => input.timeout !== undefined || !isDelayed(event.type),
  });
}

const describeStep = (type: string, snapshot: Snapshot) => `${type} -> ${pathOf(snapshot.value)} (tries ${snapshot.context.tries})`;

/** Replays one generated path on both runners, checking them against the path and each other at every step. */
function replay(input: AckInput, path: StatePath<Snapshot, AckEvent>) {
  const actor = actorRunner(input);
  const interpreter = interpreterRunner(input);
  const trace: string[] = [];
  for (const [index, step] of path.steps.entries()) {
    const type = step.event.type;
    if (index === 0) {
      expect(type).toBe("xstate.init");
      actor.start();
      interpreter.start();
    } else if (isDelayed(type)) {
      actor.elapse(input.timeout!);
      interpreter.elapse(input.timeout!);
    } else {
      actor.send(step.event);
      interpreter.send(step.event);
    }
    trace.push(describeStep(type, step.state));
    const where = trace.join(" | ");
    const expected = pathOf(step.state.value);
    expect(actor.state(), where).toBe(expected);
    expect(interpreter.state(), where).toBe(expected);
    expect(actor.tries(), where).toBe(step.state.context.tries);
    expect(interpreter.tries(), where).toBe(step.state.context.tries);
    expect(interpreter.log, where).toEqual(actor.log);
    expect(interpreter.done(), where).toBe(actor.done());
  }
  // then every event in turn, the ignored ones included (a path never takes those)
  for (const event of EVENTS) {
    if (actor.done() || isDelayed(event.type)) continue;
    actor.send(event);
    interpreter.send(event);
    trace.push(`${event.type} -> ${actor.state()} (tries ${actor.tries()})`);
    const where = trace.join(" | ");
    expect(interpreter.state(), where).toBe(actor.state());
    expect(interpreter.tries(), where).toBe(actor.tries());
    expect(interpreter.log, where).toEqual(actor.log);
  }
  const where = trace.join(" | ");
  // a final record keeps no timer; without a timeout none is ever armed
  if (interpreter.done() || input.timeout === undefined) expect(interpreter.hasTimer(), where).toBe(false);
  // time passing without events: both fire the same timers, or none. In
  // steps of `timeout`: a SimulatedClock starts the timers armed during an
  // increment at its end, where fake timers run them within it.
  const state = actor.state();
  const steps = input.timeout === undefined ? [HUGE] : Array.from({ length: (input.retries ?? 0) + 3 }, () => input.timeout!);
  for (const ms of steps) {
    actor.elapse(ms);
    interpreter.elapse(ms);
    expect(interpreter.state(), `${where} | +${ms} ms`).toBe(actor.state());
    expect(interpreter.tries(), `${where} | +${ms} ms`).toBe(actor.tries());
    expect(interpreter.log, `${where} | +${ms} ms`).toEqual(actor.log);
  }
  if (input.timeout === undefined) expect(actor.state(), where).toBe(state);
  // every run ends by itself once time passes, except waiting for a turn or an answer without a deadline
  if (input.timeout !== undefined && actor.state() !== "queued") expect(actor.done(), where).toBe(true);
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("xstate/graph over the ack machine", () => {
  it("names the delayed steps xstate.after.<delay>.<state id> and settles `always` before the first step", () => {
    expect(DELAYED.sort()).toEqual(["xstate.after.ackTimeout.ack.inFlight", "xstate.after.ackTimeout.ack.pending"]);
    const paths = pathsOf({ id: 1, timeout: 100, retries: 1, expectsError: true, transmitted: false }, getSimplePaths);
    const steps = paths.flatMap((p) => p.steps);
    expect(steps.some((s) => (s.event.type as string) === "xstate.after.ackTimeout.ack.inFlight")).toBe(true);
    // the transient `emitted` state is never a step's state
    expect(steps.map((s) => pathOf(s.state.value))).not.toContain("emitted");
    expect(paths.map((p) => pathOf(p.state.value))).toEqual(expect.arrayContaining(["queued", "inFlight", "acknowledged", "gaveUp"]));
  });

  it("generates paths through every transition of the chart, over all the inputs", () => {
    const keyOf = (source: string, type: string, target: string) => `${source} --${type}--> ${target}`;
    const taken = new Set<string>();
    for (const input of INPUTS) {
      for (const path of pathsOf(input, getSimplePaths)) {
        for (let i = 1; i < path.steps.length; i++) {
          taken.add(keyOf(pathOf(path.steps[i - 1]!.state.value), path.steps[i]!.event.type, pathOf(path.steps[i]!.state.value)));
        }
        taken.add(keyOf("(start)", "xstate.init", pathOf(path.steps[0]!.state.value)));
      }
    }
    const lost = "connection.lost";
    const inactive = "socket.inactive";
    const pendingAfter = "xstate.after.ackTimeout.ack.pending";
    const inFlightAfter = "xstate.after.ackTimeout.ack.inFlight";
    expect([...taken].sort()).toEqual(
      [
        keyOf("(start)", "xstate.init", "pending.awaitingAck"),
        keyOf("(start)", "xstate.init", "pending.buffered"),
        keyOf("(start)", "xstate.init", "queued"),
        keyOf("pending.buffered", "packet.sent", "pending.awaitingAck"),
        keyOf("pending.buffered", pendingAfter, "timedOut"),
        keyOf("pending.buffered", inactive, "disconnected"),
        keyOf("pending.awaitingAck", pendingAfter, "timedOut"),
        keyOf("pending.awaitingAck", "ack.received", "acknowledged"),
        keyOf("pending.awaitingAck", lost, "disconnected"),
        keyOf("pending.awaitingAck", lost, "dropped"),
        keyOf("queued", "queue.turn", "inFlight"),
        keyOf("queued", inactive, "disconnected"),
        keyOf("inFlight", inFlightAfter, "inFlight"),
        keyOf("inFlight", inFlightAfter, "gaveUp"),
        keyOf("inFlight", "ack.received", "acknowledged"),
        keyOf("inFlight", lost, "queued"),
        keyOf("inFlight", lost, "gaveUp"),
      ].sort(),
    );
  });
});

describe.each(INPUTS.map((input) => [describeInput(input), input] as const))("parity of the actor and the chart interpreter (%s)", (_, input) => {
  it("on every simple path: same states, tries and named actions, in the same order", () => {
    const paths = pathsOf(input, getSimplePaths);
    expect(paths.length).toBeGreaterThan(1);
    for (const path of paths) {
      vi.clearAllTimers();
      replay(input, path);
    }
  });

  it("on every shortest path", () => {
    const paths = pathsOf(input, getShortestPaths);
    expect(paths.length).toBeGreaterThan(1);
    for (const path of paths) {
      vi.clearAllTimers();
      replay(input, path);
    }
  });
});
