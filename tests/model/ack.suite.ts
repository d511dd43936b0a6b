// The ack machine's paths, generated with xstate/graph for each way to emit
// with an acknowledgement, executed on a real Socket: each event of the chart
// is one step of the table below, done to the real client or its world, and
// after each step the callback's calls, what the server received and the
// armed ack timer are checked against the state of the path (facts written by
// hand in ackFacts).
import { isDeepStrictEqual } from "node:util";
import { createActor, SimulatedClock, type AnyStateNode } from "xstate";
import { getSimplePaths } from "xstate/graph";
import { ackMachine, type AckInput } from "../../machines/ack.machine.js";
import type { Socket } from "../../src/index.js";
import { stateText, Trace, withoutPrefixes } from "./model.js";
import { settle, startClient, type startGate, type TestClock, type ModelServer } from "./world.js";

/** How the emission is made. */
export type AckKind = "plain" | "timeout" | "ackTimeout" | "emitWithAck" | "retries1" | "retries2";

export interface AckConfig {
  kind: AckKind;
  /** Whether the Socket is connected when it emits (otherwise the emission waits). */
  connected: boolean;
}

export interface AckPath {
  suite: "ack";
  config: AckConfig;
  /** The events of the chart, each one a step of ACK_STEPS. */
  steps: string[];
}

const ACK_TIMEOUT = 300;
const BACKOFF = 50;
const CONNECT_TIMEOUT = 5000;

const retriesOf = (kind: AckKind) => (kind.startsWith("retries") ? Number(kind.slice("retries".length)) : undefined);

/** The machine's input for an emission of this kind (what the Socket gives the registry). */
export function inputOf({ kind, connected }: AckConfig): AckInput {
  const retries = retriesOf(kind);
  return {
    id: 0,
    timeout: kind === "timeout" || kind === "ackTimeout" || retries !== undefined ? ACK_TIMEOUT : undefined,
    retries,
    expectsError: kind !== "plain",
    transmitted: connected,
  };
}

const DELAYED = [
  ...new Set(
    [ackMachine.root, ...Object.values(ackMachine.root.states), ...Object.values(ackMachine.root.states.pending!.states)].flatMap((node: AnyStateNode) =>
      node.after.map((transition) => transition.eventType),
    ),
  ),
];

interface AckStep {
  name: string;
  run(real: AckReal): void | Promise<void>;
}

interface AckReal {
  socket: Socket;
  gate: Awaited<ReturnType<typeof startGate>>;
  server: ModelServer;
  clock: TestClock;
  /** The Socket connects: the backoff (if one runs) elapses, the network lets the connection through, the server accepts. */
  connect(): Promise<void>;
}

/** Each event of the ack chart as ONE real step. */
export const ACK_STEPS: Record<string, AckStep> = {
  "packet.sent": { name: "the Socket connects: the send buffer is flushed", run: (real) => real.connect() },
  "queue.turn": { name: "the Socket connects: the retries queue sends its head", run: (real) => real.connect() },
  "ack.received": { name: "server: answers the ack with \"answer\"", run: (real) => real.server.answer("answer") },
  "connection.lost": { name: "network: cuts the connection", run: (real) => real.gate.cut() },
  "socket.inactive": { name: "socket.disconnect()", run: (real) => void real.socket.disconnect() },
  "packet.dropped": {
    name: "socket.emit(\"other\"): the send buffer (sendBufferLimit 1) drops the oldest emission",
    run: (real) => void real.socket.emit("other"),
  },
  ...Object.fromEntries(
    DELAYED.map((type) => [type, { name: `clock: ${ACK_TIMEOUT} ms pass (the ack timeout)`, run: (real: AckReal) => real.clock.fire(ACK_TIMEOUT, "the ack timeout") }]),
  ),
};

const EVENTS = [
  { type: "packet.sent" },
  { type: "ack.received", args: ["answer"] },
  { type: "connection.lost" },
  { type: "queue.turn" },
  { type: "socket.inactive" },
  { type: "packet.dropped", reason: "overflow" },
  ...DELAYED.map((type) => ({ type })),
];

// (`retries: 0` is no retries mode at all, as in the official client: an emission with `ackTimeout`)
const ALL_KINDS: AckKind[] = ["plain", "timeout", "ackTimeout", "emitWithAck", "retries1", "retries2"];

/** The generated paths of every configuration, without the ones that begin another. */
function generated(configs: AckConfig[]): AckPath[] {
  return configs.flatMap((config) => {
    const input = inputOf(config);
    const paths = getSimplePaths(ackMachine, {
      input,
      events: EVENTS,
      filterEvents: (_snapshot: unknown, event: { type: string }) => input.timeout !== undefined || !event.type.startsWith("xstate.after."),
    } as never) as unknown as { steps: { event: { type: string } }[] }[];
    const steps = paths
      .map((path) => path.steps.slice(1).map(({ event }) => event.type))
      // a connected Socket sends the head of its retries queue at once: that first turn is the emit itself
      .filter((events) => !(input.retries !== undefined && config.connected) || events[0] === "queue.turn")
      .map((events) => (input.retries !== undefined && config.connected ? events.slice(1) : events));
    return withoutPrefixes(steps.map((s) => ({ steps: s }))).map(({ steps: s }) => ({ suite: "ack" as const, config, steps: s }));
  });
}

function traceOf(path: AckPath): { trace: Trace; states: string[] } {
  const trace = new Trace();
  const actor = createActor(ackMachine, { input: inputOf(path.config), clock: new SimulatedClock(), inspect: trace.inspect }).start();
  const input = inputOf(path.config);
  if (input.retries !== undefined && path.config.connected) actor.send({ type: "queue.turn" });
  const states = [stateText(actor.getSnapshot().value)];
  for (const type of path.steps) {
    actor.send((EVENTS.find((event) => event.type === type) ?? { type }) as never);
    states.push(stateText(actor.getSnapshot().value));
  }
  actor.stop();
  return { trace, states };
}

export function ackPaths({ full }: { full: boolean }): AckPath[] {
  const configs: AckConfig[] = [];
  for (const kind of full ? ALL_KINDS : (["plain", "timeout", "emitWithAck", "retries1"] as AckKind[]))
    for (const connected of [true, false]) configs.push({ kind, connected });
  const paths = generated(configs);
  if (full) return paths;
  // a selection that takes every transition the generated paths take: greedy, most new transitions first
  const keyed = paths.map((path) => {
    const { trace } = traceOf(path);
    return { path, keys: new Set([...(trace.transitions.get("ack") ?? [])]) };
  });
  const covered = new Set<string>();
  const chosen: AckPath[] = [];
  for (;;) {
    const best = keyed
      .map((entry) => ({ entry, gain: [...entry.keys].filter((key) => !covered.has(key)).length }))
      .sort((a, b) => b.gain - a.gain)[0];
    if (!best || best.gain === 0) return chosen;
    chosen.push(best.entry.path);
    for (const key of best.entry.keys) covered.add(key);
  }
}

/** What a user observes in each state of the ack (by hand). */
function ackFacts(state: string, config: AckConfig, sends: number, received: number, lastStep: string | undefined) {
  const { expectsError, timeout } = inputOf(config);
  const answer = expectsError ? "null, answer" : "answer";
  const timedOut = "Error: operation has timed out";
  const disconnected = "Error: socket has been disconnected";
  const finals: Record<string, string[]> = {
    acknowledged: [answer],
    timedOut: [timedOut],
    disconnected: [disconnected],
    discarded: ["Error: emission dropped from the send buffer (overflow)"],
    dropped: [],
    // the retries ran out: on a lost connection the error says so, at a deadline it is a timeout
    gaveUp: [lastStep === "connection.lost" ? disconnected : timedOut],
  };
  switch (state) {
    case "pending.buffered":
      return { calls: [], received, ackTimer: timeout === undefined ? 0 : 1 };
    case "pending.awaitingAck":
      return { calls: [], received: 1, ackTimer: timeout === undefined ? 0 : 1 };
    case "queued":
      return { calls: [], received: sends, ackTimer: 0 };
    case "inFlight":
      return { calls: [], received: sends, ackTimer: 1 };
    default:
      return { calls: finals[state]!, received, ackTimer: 0 };
  }
}

function expectations(path: AckPath) {
  const { states } = traceOf(path);
  let received = 0;
  // sends, counted by hand: one each time the emission is (re-)entered in flight
  let sends = 0;
  return states.map((state, index) => {
    if (state === "inFlight") sends++;
    const facts = ackFacts(state, path.config, sends, received, path.steps[index - 1]);
    received = facts.received;
    return { state, facts };
  });
}

const emitText: Record<AckKind, string> = {
  plain: 'socket.emit("held", 1, callback)',
  timeout: `socket.timeout(${ACK_TIMEOUT}).emit("held", 1, callback)`,
  emitWithAck: 'socket.emitWithAck("held", 1)',
  ackTimeout: 'socket.emit("held", 1, callback) on a Socket with { ackTimeout: 300 }',
  retries1: 'socket.emit("held", 1, callback) on a Socket with { retries: 1, ackTimeout: 300 }',
  retries2: 'socket.emit("held", 1, callback) on a Socket with { retries: 2, ackTimeout: 300 }',
};

export function describeAckPath(path: AckPath, failure?: { step: number; error: string }): string {
  const expected = expectations(path);
  const lines = [
    `ack model: ${emitText[path.config.kind]}, the Socket ${path.config.connected ? "connected" : "not connected yet (its connection waits at the gate)"}`,
    `  0. ${emitText[path.config.kind]}  model: ${expected[0]!.state}  expect ${JSON.stringify(expected[0]!.facts)}`,
  ];
  path.steps.forEach((type, index) => {
    lines.push(`  ${index + 1}. ${ACK_STEPS[type]!.name}  model: ${type} -> ${expected[index + 1]!.state}  expect ${JSON.stringify(expected[index + 1]!.facts)}`);
  });
  if (failure) lines.push(`  FAILED at step ${failure.step}: ${failure.error}`);
  lines.push(`replay: MODEL_REPLAY='${JSON.stringify(path)}' npx vitest run tests/model/system.model.test.ts`);
  return lines.join("\n");
}

export async function runAckPath(path: AckPath, server: ModelServer): Promise<Trace> {
  const { config } = path;
  const { trace } = traceOf(path);
  const expected = expectations(path);
  const retries = retriesOf(config.kind);
  const client = await startClient(server, {
    autoConnect: false,
    reconnectionAttempts: Infinity,
    reconnectionDelay: BACKOFF,
    reconnectionDelayMax: BACKOFF,
    randomizationFactor: 0,
    timeout: CONNECT_TIMEOUT,
  });
  const { gate, clock, manager } = client;
  const socket = manager.socket("/a", {
    auth: { token: "a" },
    sendBufferLimit: 1,
    ...(retries === undefined ? {} : { retries, ackTimeout: ACK_TIMEOUT }),
    ...(config.kind === "ackTimeout" ? { ackTimeout: ACK_TIMEOUT } : {}),
  });
  const calls: string[] = [];
  const callback = (...args: unknown[]) =>
    void calls.push(args.map((arg) => (arg instanceof Error ? `Error: ${arg.message}` : arg === null ? "null" : String(arg))).join(", "));
  const real: AckReal = {
    socket,
    gate,
    server,
    clock,
    async connect() {
      if (clock.delays.includes(BACKOFF)) clock.fire(BACKOFF, "the backoff");
      await settle(() => gate.waiting === 1, () => "a connection at the gate");
      gate.pass();
      await settle(() => server.awaiting("/a"), () => "the handshake of /a at the server");
      server.accept("/a");
    },
  };
  const observe = () => ({ calls: [...calls], received: server.held, ackTimer: clock.delays.filter((delay) => delay === ACK_TIMEOUT).length });
  let index = 0;
  try {
    socket.connect();
    if (config.connected) {
      await real.connect();
      await settle(() => socket.connected, () => "the Socket to connect");
    } else {
      await settle(() => gate.waiting === 1, () => "a connection at the gate");
    }
    if (config.kind === "emitWithAck") {
      socket.emitWithAck("held", 1).then(
        (value) => callback(null, value),
        (error) => callback(error),
      );
    } else if (config.kind === "timeout") socket.timeout(ACK_TIMEOUT).emit("held", 1, callback);
    else socket.emit("held", 1, callback);
    const check = () =>
      settle(
        () => isDeepStrictEqual(observe(), expected[index]!.facts),
        () => `${JSON.stringify(expected[index]!.facts)}, observed ${JSON.stringify(observe())}`,
      );
    await check();
    for (const type of path.steps) {
      index++;
      await ACK_STEPS[type]!.run(real);
      await check();
    }
    return trace;
  } catch (error) {
    throw new Error(describeAckPath(path, { step: index, error: (error as Error).message }));
  } finally {
    await client.close([socket]);
  }
}
