// Model-based parity of the two ways the Socket runs acknowledgements: every
// path that xstate/graph generates from machines/ack.machine.ts is replayed on
// (a) the machine as a bare XState actor on a simulated clock, its effects
// recorded by name, and (b) src/ack-registry.ts itself, through its API
// (register, settle, bufferFlushed, connected, connectionLost, socketInactive)
// and its Manager timers on a fake clock, once running the chart with its
// interpreter and once with one XState actor per ack (as when the Manager is
// inspected). At every step all three must have done the same things, in the
// same order: sends and re-sends, discards, callbacks and what they got; the
// registry must hold the ack exactly while the actor is not done, with the
// same tries.
import { createActor, setup, SimulatedClock, type StateValue } from "xstate";
import { getShortestPaths, getSimplePaths, type StatePath } from "xstate/graph";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { actorClock, createTimers } from "../../adapters/clock.js";
import { ACK_EFFECTS, ackMachine, type AckData, type AckEvent, type AckInput } from "../../machines/ack.machine.js";
import { NEVER } from "../../machines/delays.js";
import { AckRegistry } from "../../src/ack-registry.js";

type Event = AckEvent | { type: string };
type Snapshot = ReturnType<ReturnType<typeof createActor<typeof ackMachine>>["getSnapshot"]>;

/** As long as "never" lasts on a foreign clock (machines/delays.ts): nothing may fire within it. */
const HUGE = NEVER - 1;
const ANSWER = ["answer", { n: 1 }];

/** The delayed events of the chart, as xstate/graph names them. */
const DELAYED = [
  ...new Set(
    [ackMachine.root, ...Object.values(ackMachine.root.states), ...Object.values(ackMachine.root.states.pending!.states)].flatMap((node) =>
      node.after.map((t) => t.eventType),
    ),
  ),
];
const isDelayed = (type: string) => type.startsWith("xstate.after.");

const EVENTS: Event[] = [
  { type: "packet.sent" },
  { type: "ack.received", args: ANSWER },
  { type: "connection.lost" },
  { type: "queue.turn" },
  { type: "socket.inactive" },
  { type: "packet.dropped", reason: "overflow" },
  ...DELAYED.map((type) => ({ type })),
];

/** "pending.buffered" for { pending: "buffered" }. */
function pathOf(value: StateValue): string {
  if (typeof value === "string") return value;
  const [key, child] = Object.entries(value)[0]!;
  return `${key}.${pathOf(child as StateValue)}`;
}

const TIMEOUT = "Error: operation has timed out";
const DISCONNECTED = "Error: socket has been disconnected";
const DROPPED = "Error: emission dropped from the send buffer (overflow)";
const describeArgs = (args: unknown[]) => args.map((arg) => (arg instanceof Error ? `Error: ${arg.message}` : JSON.stringify(arg))).join(", ");

/** (a) The bare machine as an actor: what each named effect would do for the user, recorded. */
function actorRunner(input: AckInput) {
  const clock = new SimulatedClock();
  const log: string[] = [];
  const callback = (args: string) => log.push(`callback(${args})`);
  const recorded: Record<string, (args: { context: AckData; event: Event }) => void> = {
    transmit: ({ context }) => log.push(`transmit(retry ${context.tries > 1})`),
    discardUnsentPacket: () => log.push("discard"),
    deliverResponse: ({ context }) => callback(describeArgs(context.expectsError ? [null, ...ANSWER] : ANSWER)),
    deliverTimeoutError: () => callback(TIMEOUT),
    deliverDisconnectError: () => callback(DISCONNECTED),
    deliverDropError: () => callback(DROPPED),
    deliverFailure: ({ event }) => callback(event.type === "connection.lost" ? DISCONNECTED : TIMEOUT),
  };
  expect(Object.keys(recorded).sort()).toEqual([...ACK_EFFECTS].sort());
  const actor = createActor(ackMachine.provide({ actions: recorded }), { clock, input });
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

/** (b) The registry, through its API, on the Manager's timers (a fake clock); `asActors` runs each ack as an actor. */
function registryRunner(input: AckInput, { asActors }: { asActors: boolean }) {
  const log: string[] = [];
  let ids = 100;
  const timers = createTimers();
  const parent = asActors ? createActor(setup({}).createMachine({}), { clock: actorClock(timers) }).start() : undefined;
  const registry = new AckRegistry(
    {
      transmit: (_packet, retry) => void log.push(`transmit(retry ${retry})`),
      nextId: () => ids++,
      discardUnsent: () => void log.push("discard"),
      isConnected: () => false,
    },
    { timers, actorsUnder: () => parent },
  );
  const callback = (...args: unknown[]) => void log.push(`callback(${describeArgs(args)})`);
  const plain = input.timeout === undefined && input.retries === undefined && !input.expectsError && input.transmitted;
  /** The id the server answers: the last one sent (a re-send's id settles the ack too). */
  const answeredId = () => (ids > 100 ? ids - 1 : input.id);
  return {
    log,
    start() {
      if (plain) registry.registerPlain(input.id, callback);
      else
        registry.register({
          ...input,
          timeout: input.timeout,
          retries: input.retries,
          callback,
          packet: input.retries === undefined ? undefined : { type: 2, nsp: "/", id: input.id, data: ["event"] },
        });
    },
    send(event: Event) {
      switch (event.type) {
        case "packet.sent":
          return registry.bufferFlushed();
        case "ack.received":
          return registry.settle(answeredId(), [...ANSWER]);
        case "connection.lost":
          return registry.connectionLost();
        case "queue.turn":
          return registry.connected();
        case "socket.inactive":
          return registry.socketInactive();
        case "packet.dropped":
          return registry.dropped(input.id, "overflow");
      }
      throw new Error(`no registry call for ${event.type}`);
    },
    elapse: (ms: number) => vi.advanceTimersByTime(ms),
    /** Tries so far, when the registry shows them (the retries queue). */
    tries: () => registry.queued()[0]?.tryCount,
    pending: () => registry.size > 0,
    stop: () => parent?.stop(),
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

/** Replays one generated path on the three runners, checking them against the path and each other at every step. */
function replay(input: AckInput, path: StatePath<Snapshot, AckEvent>) {
  const actor = actorRunner(input);
  const registries = [registryRunner(input, { asActors: false }), registryRunner(input, { asActors: true })];
  const trace: string[] = [];
  const compare = (where: string) => {
    for (const [index, registry] of registries.entries()) {
      const label = `${where} | registry ${index ? "with actors" : "with the interpreter"}`;
      expect(registry.log, label).toEqual(actor.log);
      expect(registry.pending(), label).toBe(!actor.done());
      if (input.retries !== undefined && !actor.done()) expect(registry.tries(), label).toBe(actor.tries());
    }
  };
  try {
    for (const [index, step] of path.steps.entries()) {
      const type = step.event.type;
      if (index === 0) {
        expect(type).toBe("xstate.init");
        actor.start();
        for (const registry of registries) registry.start();
      } else if (isDelayed(type)) {
        actor.elapse(input.timeout!);
        // both registries share the fake clock
        registries[0]!.elapse(input.timeout!);
      } else {
        actor.send(step.event);
        for (const registry of registries) registry.send(step.event);
      }
      trace.push(describeStep(type, step.state));
      const where = trace.join(" | ");
      expect(actor.state(), where).toBe(pathOf(step.state.value));
      expect(actor.tries(), where).toBe(step.state.context.tries);
      compare(where);
    }
    // then every event in turn, the ignored ones included (a path never takes those)
    for (const event of EVENTS) {
      if (actor.done() || isDelayed(event.type)) continue;
      actor.send(event);
      for (const registry of registries) registry.send(event);
      trace.push(`${event.type} -> ${actor.state()} (tries ${actor.tries()})`);
      compare(trace.join(" | "));
    }
    const where = trace.join(" | ");
    // time passing without events: all fire the same timers, or none. In steps of `timeout`: a SimulatedClock
    // starts the timers armed during an increment at its end, where fake timers run them within it.
    const state = actor.state();
    const steps = input.timeout === undefined ? [HUGE] : Array.from({ length: (input.retries ?? 0) + 3 }, () => input.timeout!);
    for (const ms of steps) {
      actor.elapse(ms);
      registries[0]!.elapse(ms);
      compare(`${where} | +${ms} ms`);
    }
    if (input.timeout === undefined) expect(actor.state(), where).toBe(state);
    // every run ends by itself once time passes, except waiting for a turn or an answer without a deadline
    if (input.timeout !== undefined && actor.state() !== "queued") expect(actor.done(), where).toBe(true);
    // an ended ack keeps no timer
    if (actor.done()) expect(vi.getTimerCount(), where).toBe(0);
  } finally {
    for (const registry of registries) registry.stop();
  }
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
        keyOf("pending.buffered", "packet.dropped", "discarded"),
        keyOf("pending.buffered", "packet.dropped", "dropped"),
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

describe.each(INPUTS.map((input) => [describeInput(input), input] as const))("parity of the machine and the registry (%s)", (_, input) => {
  it("on every simple path: the same effects in the same order, pending exactly while the machine runs, the same tries", () => {
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
