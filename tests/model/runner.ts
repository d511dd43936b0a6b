// Executes a path of the system model (system.ts) against the real client: a
// Manager from src/ with Sockets /a and /b, through the gate, to the real
// server. After each step it waits until what a user observes matches what
// the path predicts (or fails after a deadline, printing the path as a script
// that can be read and replayed).
import { isDeepStrictEqual } from "node:util";
import type { Socket } from "../../src/index.js";
import { Trace } from "./model.js";
import {
  SETTING_STEPS,
  expectedEvents,
  managerFacts,
  SETTINGS,
  socketFacts,
  stepNamed,
  viewsOf,
  type Real,
  type SystemConfig,
  type View,
} from "./system.js";
import { NAMESPACES, settle, startClient, type ModelServer, type Nsp } from "./world.js";

export interface SystemPath {
  suite: "system";
  config: SystemConfig;
  steps: string[];
}

type Events = Record<"manager" | Nsp, string[]>;

/** What the user observes now, in the shape of the expectations. */
interface Observed {
  manager: ReturnType<typeof managerFacts>;
  "/a": Omit<ReturnType<typeof socketFacts>, "serverHandshake" | "authenticating">;
  "/b": Omit<ReturnType<typeof socketFacts>, "serverHandshake" | "authenticating">;
  /** How many times the `auth` function of /a was called. */
  authCalls: number;
  /** How many handshakes of each namespace the server received. */
  handshakes: Record<Nsp, number>;
  events: Events;
}

/** The expectation after each step, from the model's views (by hand: system.ts). */
export function expectations(config: SystemConfig, views: View[], steps: readonly string[]): Observed[] {
  const events: Events = { manager: [], "/a": [], "/b": [] };
  let authCalls = 0;
  const handshakes = { "/a": 0, "/b": 0 };
  // the attempt number and the settings, kept by hand from the steps (never read from the model's context)
  const hand = { ...SETTINGS, attempt: 0 };
  let waitDelay = hand.reconnectionDelay;
  let previous: View | undefined;
  return views.map((modelView, index) => {
    const step = index > 0 ? stepNamed(steps[index - 1]!) : undefined;
    const beforeHand = { ...hand };
    if (step) {
      const settings = SETTING_STEPS[step.name];
      if (settings) Object.assign(hand, settings);
      // an attempt starts on the way from the wait to a new engine
      if (previous!.manager === "active.waiting" && modelView.manager.startsWith("active.engine")) hand.attempt++;
    }
    // a successful reconnection, or the end of the loop, starts the count again
    if (modelView.manager === "active.engine.open" || modelView.manager === "closed") hand.attempt = 0;
    const view: View = { ...modelView, ...pick(hand) };
    if (view.manager === "active.waiting" && previous?.manager !== "active.waiting") waitDelay = hand.reconnectionDelay;
    if (step && previous) {
      const before: View = { ...previous, ...pick(beforeHand) };
      const fired = expectedEvents(step, before, view);
      for (const key of ["manager", ...NAMESPACES] as const) events[key].push(...fired[key]);
      if (view["/a"] === "active.handshaking.authenticating" && before["/a"] !== view["/a"]) authCalls++;
      for (const nsp of NAMESPACES) if (view[nsp] === "active.handshaking.awaitingServer" && before[nsp] !== view[nsp]) handshakes[nsp]++;
    } else {
      // with autoConnect, the first steps happened as the client was created
      if (view["/a"] === "active.handshaking.authenticating") authCalls++;
      for (const nsp of NAMESPACES) if (view[nsp] === "active.handshaking.awaitingServer") handshakes[nsp]++;
    }
    const facts = managerFacts(view, waitDelay);
    previous = modelView;
    const socket = (nsp: Nsp) => {
      const { serverHandshake: _s, authenticating: _a, ...facts } = socketFacts(view[nsp]);
      return facts;
    };
    return {
      manager: facts,
      "/a": socket("/a"),
      "/b": socket("/b"),
      authCalls,
      handshakes: { ...handshakes },
      events: { manager: [...events.manager], "/a": [...events["/a"]], "/b": [...events["/b"]] },
    };
  });
}

const pick = ({ attempt, reconnection, reconnectionAttempts, reconnectionDelay }: typeof SETTINGS & { attempt: number }) => ({
  attempt,
  reconnection,
  reconnectionAttempts,
  reconnectionDelay,
});

/** A path as a script: each step, and what is expected after it. */
export function describePath(path: SystemPath, failedAt?: { step: number; error: string; observed?: unknown }): string {
  const views = viewsOf(path.config, path.steps);
  const expected = expectations(path.config, views, path.steps);
  const lines = [`system model, Manager autoConnect: ${path.config.autoConnect}, Sockets /a (auth function) and /b (auth object)`];
  const show = (index: number) => {
    const view = views[index]!;
    const e = expected[index]!;
    return [
      `     model: manager ${view.manager} (attempt ${view.attempt}, reconnection ${view.reconnection}, reconnectionAttempts ${view.reconnectionAttempts}, reconnectionDelay ${view.reconnectionDelay}) | /a ${view["/a"]} | /b ${view["/b"]}`,
      `     expect: manager ${JSON.stringify(e.manager)}`,
      `             /a ${JSON.stringify(e["/a"])} /b ${JSON.stringify(e["/b"])} authCalls ${e.authCalls} handshakes ${JSON.stringify(e.handshakes)}`,
      `             events ${JSON.stringify(e.events)}`,
    ];
  };
  lines.push("  0. (start)", ...show(0));
  path.steps.forEach((name, index) => {
    lines.push(`  ${index + 1}. ${name}`, ...show(index + 1));
    if (failedAt?.step === index + 1) lines.push(`     FAILED HERE: ${failedAt.error}`, `     observed: ${JSON.stringify(failedAt.observed)}`);
  });
  if (failedAt?.step === 0) lines.push(`  FAILED AT THE START: ${failedAt.error}`, `     observed: ${JSON.stringify(failedAt.observed)}`);
  lines.push(`replay: MODEL_REPLAY='${JSON.stringify(path)}' npx vitest run tests/model/system.model.test.ts`);
  return lines.join("\n");
}

/**
 * Runs `path` against a real Manager, and returns the model's trace of it (the
 * states and transitions the path goes through) once every step matched.
 */
export async function runSystemPath(path: SystemPath, server: ModelServer): Promise<Trace> {
  const trace = new Trace();
  const views = viewsOf(path.config, path.steps, trace.inspect);
  const expected = expectations(path.config, views, path.steps);
  const authCallbacks: Array<(data: unknown) => void> = [];
  const handshakesAtStart = { ...server.received };
  const client = await startClient(server, { autoConnect: path.config.autoConnect, ...SETTINGS, timeout: SETTINGS.timeout as number });
  const { gate, clock, manager } = client;
  const events: Events = { manager: [], "/a": [], "/b": [] };
  const on = (emitter: { on(event: string, fn: (...args: any[]) => void): unknown }, key: keyof Events, name: string, text: (...args: any[]) => string = () => name) =>
    emitter.on(name, (...args: unknown[]) => events[key].push(text(...args)));
  for (const name of ["open", "error", "reconnect_error", "reconnect_failed", "ping"]) on(manager, "manager", name);
  on(manager, "manager", "close", (reason: string) => `close ${reason}`);
  on(manager, "manager", "reconnect_attempt", (n: number) => `reconnect_attempt ${n}`);
  on(manager, "manager", "reconnect", (n: number) => `reconnect ${n}`);
  const sockets = {
    "/a": manager.socket("/a", { auth: (cb: (data: object) => void) => void authCallbacks.push(cb as (data: unknown) => void) }),
    "/b": manager.socket("/b", { auth: { token: "b" } }),
  } as Record<Nsp, Socket>;
  for (const nsp of NAMESPACES) {
    const socket = sockets[nsp];
    on(socket, nsp, "connect");
    on(socket, nsp, "connect_error", (error: Error) => (error.message === "denied by middleware" ? "connect_error denied by middleware" : "connect_error"));
    on(socket, nsp, "disconnect", (reason: string) => `disconnect ${reason}`);
  }
  let used = 0;
  const real: Real = {
    manager,
    sockets,
    gate,
    server,
    clock,
    async authCallback(data) {
      await settle(
        () => authCallbacks.length > used,
        () => "the auth function of /a to be called",
      );
      authCallbacks[used++]!(data);
    },
    connectionAtGate: () =>
      settle(
        () => gate.waiting === 1,
        () => "a connection at the gate",
      ),
  };

  const observe = (): Observed => {
    const socket = (nsp: Nsp) => {
      const s = sockets[nsp];
      return { active: s.active, connected: s.connected, id: s.id !== undefined && server.hasSocket(nsp, s.id), recovered: s.recovered };
    };
    return {
      manager: {
        readyState: manager._readyState,
        reconnecting: manager._reconnecting,
        engine: manager.engine ? manager.engine.readyState : "none",
        timers: clock.delays,
        network: { waiting: gate.waiting, open: gate.open },
      } as ReturnType<typeof managerFacts>,
      "/a": socket("/a"),
      "/b": socket("/b"),
      authCalls: authCallbacks.length,
      handshakes: { "/a": server.received["/a"] - handshakesAtStart["/a"], "/b": server.received["/b"] - handshakesAtStart["/b"] },
      events: { manager: [...events.manager], "/a": [...events["/a"]], "/b": [...events["/b"]] },
    };
  };

  let index = 0;
  try {
    const check = async () => {
      const want = expected[index]!;
      await settle(
        () => isDeepStrictEqual(observe(), want),
        () => "the observations the model predicts",
      );
    };
    await check();
    for (const name of path.steps) {
      const step = stepNamed(name);
      const view = views[index]!;
      index++;
      await step.run(real, view);
      await check();
    }
    return trace;
  } catch (error) {
    throw new Error(describePath(path, { step: index, error: (error as Error).message, observed: observe() }));
  } finally {
    await client.close(Object.values(sockets));
  }
}
