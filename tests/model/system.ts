// The connection and namespace machines together: one Manager with two
// Sockets, /a (an `auth` function) and /b (an `auth` object).
//
// The model is the product's machines (connectionMachine, with its namespace
// actors spawned by it as in the client), run with nothing behind them: the
// transport, the backoff and the auth function are empty actors, and what
// they would report is sent by the steps. Each step of a path is ONE entry of
// STEPS below: the events it sends to the model, and the one thing the test
// does to the real client or to its world. The expectations (what a user can
// observe in each state, and which documented events each step fires) are
// written by hand further down; they read the model's state, never its guards,
// delays or actions.
import { createActor, fromCallback, type InspectionEvent } from "xstate";
import { createCredentials } from "../../machines/credentials.js";
import { connectionMachine, type ConnectionSettings } from "../../machines/connection.machine.js";
import { namespaceMachine } from "../../machines/namespace.machine.js";
import { hide } from "../../machines/secrets.js";
import type { Endpoint, Parser } from "../../machines/transport.js";
import { modelClock, stateText, type Model } from "./model.js";
import type { Nsp } from "./world.js";

// ---------------------------------------------------------------------------
// The configuration every path starts from
// ---------------------------------------------------------------------------

export interface SystemConfig {
  /** The Manager's `autoConnect`: with it, the Manager opens at once and the Sockets connect when created. */
  autoConnect: boolean;
}

/** The settings of the Manager (fixed numbers, so that the expected delays are plain arithmetic). */
export const SETTINGS: ConnectionSettings = {
  reconnection: true,
  reconnectionAttempts: 2,
  reconnectionDelay: 100,
  reconnectionDelayMax: 150,
  randomizationFactor: 0,
  timeout: 5000,
};
/** The reconnectionDelay a step may set instead. */
export const OTHER_DELAY = 40;

const nothing = fromCallback(() => {}) as never;

const model = connectionMachine.provide({
  actors: {
    transport: nothing,
    backoff: nothing,
    namespace: namespaceMachine.provide({ actors: { resolveAuth: nothing } }),
  },
});

const TIMEOUT_EVENT = connectionMachine.root.states.active!.states.engine!.states.opening!.after[0]!.eventType;

// ---------------------------------------------------------------------------
// What the model says, as the steps and the expectations read it
// ---------------------------------------------------------------------------

export interface View {
  /** The connection machine's state, e.g. "active.engine.open". */
  manager: string;
  /** The reconnection attempt in progress (0: none). */
  attempt: number;
  reconnection: boolean;
  reconnectionAttempts: number;
  reconnectionDelay: number;
  /** The namespace machines' states, e.g. "active.handshaking.awaitingServer". */
  "/a": string;
  "/b": string;
}

export type ModelEvent = { to: "manager" | Nsp; event: { type: string; [key: string]: unknown } };

type ModelActor = ReturnType<typeof startModel>;

function startModel(config: SystemConfig, inspect?: (event: InspectionEvent) => void) {
  const actor = createActor(model, {
    clock: modelClock(),
    ...(inspect ? { inspect } : {}),
    input: {
      endpoint: hide<Endpoint>({ uri: "", engineOptions: {}, parser: {} as Parser, deliver: () => {} }, "endpoint"),
      settings: { ...SETTINGS },
      autoConnect: config.autoConnect,
    },
  });
  actor.start();
  const send = ({ to, event }: ModelEvent) => {
    if (to === "manager") actor.send(event as never);
    else actor.getSnapshot().context.namespaces.get(to)!.send(event as never);
  };
  // the transport creates its engine as soon as the step that started it is over
  const created = () => {
    if (actor.getSnapshot().matches({ active: { engine: "creating" } })) {
      actor.send({ type: "transport.created", transport: hide({} as never, "transport") });
    }
  };
  const sockets: [Nsp, object][] = [
    ["/a", () => {}],
    ["/b", { token: "b" }],
  ];
  for (const [nsp, auth] of sockets) {
    actor.send({ type: "api.createNamespace", input: { nsp, credentials: createCredentials(auth as never) } });
    // a Socket of a Manager with autoConnect connects when it is created
    if (config.autoConnect) send({ to: nsp, event: { type: "api.connect" } });
  }
  created();
  const view = (): View => {
    const snapshot = actor.getSnapshot();
    const { context } = snapshot;
    return {
      manager: stateText(snapshot.value),
      attempt: context.attempt,
      reconnection: context.settings.reconnection,
      reconnectionAttempts: context.settings.reconnectionAttempts,
      reconnectionDelay: context.settings.reconnectionDelay,
      "/a": stateText(context.namespaces.get("/a")!.getSnapshot().value),
      "/b": stateText(context.namespaces.get("/b")!.getSnapshot().value),
    };
  };
  return {
    view,
    step(events: ModelEvent[]) {
      for (const event of events) send(event);
      created();
    },
  };
}

// ---------------------------------------------------------------------------
// The steps: each one sends these events to the model and does one thing for real
// ---------------------------------------------------------------------------

/** What a step may use of the real client and of its world (runner.ts builds it). */
export interface Real {
  manager: import("../../src/index.js").Manager;
  sockets: Record<Nsp, import("../../src/index.js").Socket>;
  gate: import("./world.js").Gate;
  server: import("./world.js").ModelServer;
  clock: import("./world.js").TestClock;
  /** Calls back the `auth` function of /a, waiting for it first (it is called once the actors are idle). */
  authCallback(data: unknown): Promise<void>;
  /** Waits until a connection waits at the gate. */
  connectionAtGate(): Promise<void>;
}

export interface Step {
  /** The name of the step in a path. */
  name: string;
  /** Whether the step can be taken in this state (what the real world allows). */
  when(view: View): boolean;
  /** The events the model gets. */
  model(view: View): ModelEvent[];
  /** The one thing done to the real client or its world. */
  run(real: Real, view: View): void | Promise<void>;
  /** How a Socket that was connected sees it leave, by this step: the `disconnect` reason. */
  disconnects?: string | ((nsp: Nsp) => string | undefined);
}

const inEngine = (view: View) => view.manager.startsWith("active.engine");
const isOpening = (view: View) => view.manager === "active.engine.opening";
const isOpen = (view: View) => view.manager === "active.engine.open";
const isWaiting = (view: View) => view.manager === "active.waiting";
const manager = (event: ModelEvent["event"]): ModelEvent => ({ to: "manager", event });
const toNamespace = (to: Nsp, event: ModelEvent["event"]): ModelEvent => ({ to, event });

/** The delay of the backoff before attempt `n` (1, 2, ...): reconnectionDelay doubling per attempt, capped (randomizationFactor 0). */
export const backoffDelay = (n: number, reconnectionDelay: number) => Math.min(reconnectionDelay * 2 ** (n - 1), SETTINGS.reconnectionDelayMax);

/** A step done to the connection of the attempt, once it waits at the gate. */
const atTheGate = (act: (real: Real) => void) => async (real: Real) => {
  await real.connectionAtGate();
  act(real);
};

const backoffDone = (view: View) => manager({ type: "xstate.done.actor.backoff", output: { attempt: view.attempt + 1 } });
// its delay was checked with the state before the step (managerFacts)
const fireBackoff = (real: Real) => real.clock.fireOnly(real.clock.delays[0] ?? -1, "the backoff");

function namespaceSteps(nsp: Nsp): Step[] {
  const steps: Step[] = [
    {
      name: `socket ${nsp}: connect()`,
      when: (view) => view[nsp] === "inactive",
      model: () => [toNamespace(nsp, { type: "api.connect" })],
      run: (real) => void real.sockets[nsp].connect(),
    },
    {
      name: `socket ${nsp}: disconnect()`,
      when: (view) => view[nsp] !== "inactive",
      model: () => [toNamespace(nsp, { type: "api.disconnect" })],
      run: (real) => void real.sockets[nsp].disconnect(),
      disconnects: (which) => (which === nsp ? "io client disconnect" : undefined),
    },
    {
      name: `server: accepts the handshake of ${nsp}`,
      when: (view) => isOpen(view) && view[nsp] === "active.handshaking.awaitingServer",
      model: () => [manager({ type: "transport.packet", packet: { type: 0, nsp, data: { sid: "sid", recovered: false } } })],
      run: (real) => real.server.accept(nsp),
    },
    {
      name: `server: its middleware denies the handshake of ${nsp}`,
      when: (view) => isOpen(view) && view[nsp] === "active.handshaking.awaitingServer",
      model: () => [manager({ type: "transport.packet", packet: { type: 4, nsp, data: { message: "denied by middleware", data: { nsp } } } })],
      run: (real) => real.server.deny(nsp),
    },
    {
      name: `server: disconnects the socket of ${nsp}`,
      when: (view) => view[nsp] === "active.connected",
      model: () => [manager({ type: "transport.packet", packet: { type: 1, nsp } })],
      run: (real) => real.server.disconnect(nsp, real.sockets[nsp].id),
      disconnects: (which) => (which === nsp ? "io server disconnect" : undefined),
    },
  ];
  return steps;
}

export const STEPS: Step[] = [
  {
    name: "manager.open()",
    when: (view) => view.manager === "idle" || view.manager === "closed" || isWaiting(view),
    model: () => [manager({ type: "api.open" })],
    run: (real) => void real.manager.open(),
  },
  {
    name: "manager._close()",
    when: (view) => view.manager.startsWith("active"),
    model: () => [manager({ type: "api.close" })],
    run: (real) => real.manager._close(),
    disconnects: "forced close",
  },
  {
    name: "manager.reconnection(false)",
    when: (view) => view.reconnection,
    model: () => [manager({ type: "api.configure", settings: { reconnection: false } })],
    run: (real) => void real.manager.reconnection(false),
  },
  {
    name: "manager.reconnection(true)",
    when: (view) => !view.reconnection,
    model: () => [manager({ type: "api.configure", settings: { reconnection: true } })],
    run: (real) => void real.manager.reconnection(true),
  },
  {
    name: "manager.reconnectionAttempts(0)",
    when: (view) => view.reconnectionAttempts !== 0,
    model: () => [manager({ type: "api.configure", settings: { reconnectionAttempts: 0 } })],
    run: (real) => void real.manager.reconnectionAttempts(0),
  },
  {
    name: `manager.reconnectionDelay(${OTHER_DELAY})`,
    when: (view) => view.reconnectionDelay !== OTHER_DELAY,
    model: () => [manager({ type: "api.configure", settings: { reconnectionDelay: OTHER_DELAY } })],
    run: (real) => void real.manager.reconnectionDelay(OTHER_DELAY),
  },
  ...namespaceSteps("/a"),
  ...namespaceSteps("/b"),
  {
    name: "clock: the backoff elapses",
    when: isWaiting,
    model: (view) => [backoffDone(view)],
    run: fireBackoff,
  },
  {
    name: "clock: the backoff elapses; a reconnect_attempt listener calls manager.reconnection(false)",
    when: (view) => isWaiting(view) && view.reconnection,
    model: (view) => [backoffDone(view), manager({ type: "api.configure", settings: { reconnection: false } })],
    run: (real) => {
      real.manager.once("reconnect_attempt", () => real.manager.reconnection(false));
      fireBackoff(real);
    },
  },
  {
    name: `clock: the backoff elapses; a reconnect_attempt listener calls manager.reconnectionDelay(${OTHER_DELAY})`,
    when: (view) => isWaiting(view) && view.reconnectionDelay !== OTHER_DELAY,
    model: (view) => [backoffDone(view), manager({ type: "api.configure", settings: { reconnectionDelay: OTHER_DELAY } })],
    run: (real) => {
      real.manager.once("reconnect_attempt", () => real.manager.reconnectionDelay(OTHER_DELAY));
      fireBackoff(real);
    },
  },
  {
    name: "clock: the connect timeout fires",
    when: isOpening,
    model: () => [manager({ type: TIMEOUT_EVENT })],
    // the attempt must have reached the network first, or there would be nothing to time out
    run: atTheGate((real) => real.clock.fireOnly(SETTINGS.timeout as number, "the connect timeout")),
  },
  {
    name: "network: lets the connection through (the server opens it)",
    when: isOpening,
    model: () => [manager({ type: "transport.opened" })],
    run: atTheGate((real) => real.gate.pass()),
  },
  {
    name: "network: refuses the connection",
    when: isOpening,
    model: () => [manager({ type: "transport.error", error: new Error("websocket error") })],
    run: atTheGate((real) => real.gate.refuse()),
  },
  {
    name: "server: closes the connection before its handshake",
    when: isOpening,
    model: () => [manager({ type: "transport.closed", reason: "transport close" })],
    run: atTheGate((real) => real.gate.closeBeforeHandshake()),
  },
  {
    name: "network: cuts the connection",
    when: isOpen,
    model: () => [manager({ type: "transport.closed", reason: "transport close" })],
    run: (real) => real.gate.cut(),
    disconnects: "transport close",
  },
  {
    name: "server: restarts",
    when: isOpen,
    model: () => [manager({ type: "transport.closed", reason: "transport close" })],
    run: (real) => real.server.restart(),
    disconnects: "transport close",
  },
  {
    name: "network: a corrupt frame arrives (the engine errors, then closes)",
    when: isOpen,
    model: () => [
      manager({ type: "transport.error", error: new Error("websocket error") }),
      manager({ type: "transport.closed", reason: "transport error" }),
    ],
    run: (real) => real.gate.corrupt(),
    disconnects: "transport error",
  },
  {
    name: "server: pings",
    when: isOpen,
    model: () => [manager({ type: "transport.ping" })],
    run: (real) => real.server.ping(),
  },
  {
    name: "auth of /a: calls back with an object",
    when: (view) => view["/a"] === "active.handshaking.authenticating",
    model: () => [toNamespace("/a", { type: "auth.resolved" })],
    run: (real) => real.authCallback({ token: "a" }),
  },
  {
    name: "auth of /a: calls back with a non-object",
    when: (view) => view["/a"] === "active.handshaking.authenticating",
    model: () => [toNamespace("/a", { type: "auth.rejected", error: new TypeError("auth must be an object") })],
    run: (real) => real.authCallback("not an object"),
  },
  {
    name: "auth of /a: calls back with an object the parser cannot encode (a BigInt)",
    when: (view) => view["/a"] === "active.handshaking.authenticating" && isOpen(view),
    model: () => [
      toNamespace("/a", { type: "auth.resolved" }),
      manager({ type: "transport.unsendable", packet: { type: 0, nsp: "/a" }, error: new TypeError("BigInt") }),
    ],
    run: (real) => real.authCallback({ big: 1n }),
  },
];

/** What the setting steps set, for the oracle (by hand: it does not read the model's settings). */
export const SETTING_STEPS: Record<string, Partial<ConnectionSettings>> = {
  "manager.reconnection(false)": { reconnection: false },
  "manager.reconnection(true)": { reconnection: true },
  "manager.reconnectionAttempts(0)": { reconnectionAttempts: 0 },
  [`manager.reconnectionDelay(${OTHER_DELAY})`]: { reconnectionDelay: OTHER_DELAY },
  "clock: the backoff elapses; a reconnect_attempt listener calls manager.reconnection(false)": { reconnection: false },
  [`clock: the backoff elapses; a reconnect_attempt listener calls manager.reconnectionDelay(${OTHER_DELAY})`]: { reconnectionDelay: OTHER_DELAY },
};

const STEP_BY_NAME = new Map(STEPS.map((step) => [step.name, step]));

export function stepNamed(name: string): Step {
  const step = STEP_BY_NAME.get(name);
  if (!step) throw new Error(`no step named ${JSON.stringify(name)}`);
  return step;
}

/** The model of a Manager with Sockets /a and /b, as xstate/graph traverses it. */
export function systemModel(config: SystemConfig, { maxAttempt = 2 }: { maxAttempt?: number } = {}): Model<View> {
  return {
    run(steps, inspect) {
      const actor = startModel(config, inspect);
      for (const name of steps) actor.step(stepNamed(name).model(actor.view()));
      return actor.view();
    },
    steps: (view) => STEPS.filter((step) => step.when(view) && view.attempt <= maxAttempt).map((step) => step.name),
    key: (view) => JSON.stringify(view),
  };
}

/** The model's view after each step of a path (the first: before any step). */
export function viewsOf(config: SystemConfig, steps: readonly string[], inspect?: (event: InspectionEvent) => void): View[] {
  const actor = startModel(config, inspect);
  const views = [actor.view()];
  for (const name of steps) {
    actor.step(stepNamed(name).model(actor.view()));
    views.push(actor.view());
  }
  return views;
}

// ---------------------------------------------------------------------------
// The oracle, by hand: what a user observes in each state, and after each step
// ---------------------------------------------------------------------------

/**
 * What a user of the Manager can observe, in each state of the connection
 * machine. `waitDelay`: the reconnectionDelay when the wait in progress began
 * (a setting changed during a wait applies to the next one).
 */
export function managerFacts(view: View, waitDelay = view.reconnectionDelay) {
  const opening = isOpening(view) || view.manager === "active.engine.creating";
  return {
    /** `manager._readyState`, as the official client's. */
    readyState: isOpen(view) ? "open" : opening ? "opening" : "closed",
    /** `manager._reconnecting`: a reconnection loop runs. */
    reconnecting: isWaiting(view) || (view.manager.startsWith("active") && view.attempt > 0),
    /** `manager.engine.readyState`: the engine of the connection (none before the first). */
    engine: isOpen(view) ? "open" : opening ? "opening" : view.manager === "idle" ? "none" : "closed",
    /** The Manager's armed timers: the connect timeout while opening, the backoff while waiting. */
    timers: opening ? [SETTINGS.timeout as number] : isWaiting(view) ? [backoffDelay(view.attempt + 1, waitDelay)] : [],
    /** Connections at the gate: one waiting while opening, one through it while open. */
    network: { waiting: opening ? 1 : 0, open: isOpen(view) ? 1 : 0 },
  };
}

/** What a user of a Socket can observe, in each state of its namespace machine. */
export function socketFacts(state: string) {
  return {
    active: state !== "inactive",
    connected: state === "active.connected",
    /** Whether `socket.id` is set (and the server holds that socket). */
    id: state === "active.connected",
    /** `socket.recovered`: never, the server has no connection state recovery (tests/integration/recovery.test.ts has it). */
    recovered: false,
    /** The server waits for the answer of its middleware to this Socket's handshake. */
    serverHandshake: state === "active.handshaking.awaitingServer",
    /** The `auth` function was called and has not called back. */
    authenticating: state === "active.handshaking.authenticating",
  };
}

const FAILURES: Record<string, boolean> = {
  "clock: the connect timeout fires": true,
  "network: refuses the connection": true,
  "server: closes the connection before its handshake": true,
};

/** The steps that close an open connection from outside the client, cleanly. */
const LOSSES: Record<string, boolean> = {
  "network: cuts the connection": true,
  "server: restarts": true,
};

/**
 * The documented events a step fires, by emitter, from the states before and
 * after it (written from docs/events-and-errors.md and the official client).
 */
export function expectedEvents(step: Step, before: View, after: View): Record<"manager" | Nsp, string[]> {
  const m: string[] = [];
  const wasOpen = isOpen(before);
  const wasInEngine = inEngine(before);
  const gaveUp = after.manager === "closed" && before.reconnection;
  if (step.name === "server: pings") m.push("ping");
  if (step.name === "network: lets the connection through (the server opens it)") {
    m.push("open");
    if (before.attempt > 0) m.push(`reconnect ${before.attempt}`);
  }
  if (FAILURES[step.name]) {
    m.push("error");
    if (before.attempt > 0) m.push("reconnect_error");
    if (gaveUp) m.push("reconnect_failed");
  }
  if (wasOpen && LOSSES[step.name]) {
    m.push("close transport close");
    if (gaveUp) m.push("reconnect_failed");
  }
  if (wasOpen && step.name.startsWith("network: a corrupt frame")) {
    m.push("error", "close transport error");
    if (gaveUp) m.push("reconnect_failed");
  }
  if (isWaiting(before) && (step.name.startsWith("clock: the backoff elapses") || step.name === "manager.open()")) {
    m.push(`reconnect_attempt ${before.attempt + 1}`);
  }
  // the client closes the engine: the Manager closed, or its last active Socket left (whatever made it leave)
  const engineLost = FAILURES[step.name] || LOSSES[step.name] || step.name.startsWith("network: a corrupt frame");
  if (wasInEngine && after.manager === "closed" && !engineLost) m.push("close forced close");

  const socketEvents = (nsp: Nsp): string[] => {
    const b = before[nsp];
    const a = after[nsp];
    const events: string[] = [];
    if (b === "active.connected" && a !== "active.connected") {
      const reason = typeof step.disconnects === "function" ? step.disconnects(nsp) : step.disconnects;
      events.push(`disconnect ${reason ?? "?"}`);
    }
    const handshaking = b.startsWith("active.handshaking");
    if (FAILURES[step.name] && b === "active.awaitingConnection") events.push("connect_error");
    if (step.name.startsWith("network: a corrupt frame") && handshaking) events.push("connect_error");
    if (step.name === `server: its middleware denies the handshake of ${nsp}`) events.push("connect_error denied by middleware");
    if (nsp === "/a" && handshaking && step.name.startsWith("auth of /a: calls back with a") && step.name !== "auth of /a: calls back with an object") {
      events.push("connect_error");
    }
    if (a === "active.connected" && b !== "active.connected") events.push("connect");
    return events;
  };
  return { manager: m, "/a": socketEvents("/a"), "/b": socketEvents("/b") };
}
