// Drives the machines of machines/ directly, without a network: a transport
// actor that the test controls, XState's SimulatedClock for every delay, and a
// record of what the actors emit. Shared by tests/unit and tests/model.
import {
  createActor,
  fromCallback,
  SimulatedClock,
  type Actor,
  type AnyActorRef,
  type InspectionEvent,
} from "xstate";
import * as parser from "socket.io-parser";
import {
  connectionMachine,
  type ConnectionEmitted,
  type ConnectionSettings,
  type NamespaceActorRef,
} from "../machines/connection.machine.js";
import { connectPayload, createCredentials, isCredentials, type AuthOption } from "../machines/credentials.js";
import type { NamespaceEmitted, NamespaceEvent } from "../machines/namespace.machine.js";
import { hide, type Hidden } from "../machines/secrets.js";
import type { Endpoint, Parser, Transport, TransportCommand, TransportEvent, TransportInput } from "../machines/transport.js";

/** One run of the transport actor: what it was given, what it received, and a way to answer. */
export interface TransportRun {
  readonly input: TransportInput;
  /** The commands the connection machine sent to this run. */
  readonly received: TransportCommand[];
  /** True once the connection machine stopped this run (left the state that invoked it). */
  stopped: boolean;
  /** Sends an event from this run to the connection machine. */
  send(event: TransportEvent): void;
}

/**
 * A transport actor logic that records every run, so that a test plays the engine.
 * Each run reports its engine created at once (`transport.created`), as the real
 * transport does outside a turn of the facade, unless `createAtStart` is false:
 * then the run waits in `creating` until the test calls `created()`.
 */
export function testTransport({ createAtStart = true }: { createAtStart?: boolean } = {}) {
  const runs: TransportRun[] = [];
  const logic = fromCallback<TransportCommand, TransportInput, TransportEvent>(({ input, sendBack, receive }) => {
    const run: TransportRun = { input, received: [], stopped: false, send: (event) => sendBack(event) };
    runs.push(run);
    // as the transport writes it: a CONNECT's payload read out of its credentials
    receive((command) => {
      const { packet } = command;
      const written = isCredentials(packet.data) ? { ...packet, data: connectPayload(packet.data) } : packet;
      run.received.push({ ...command, packet: written });
    });
    if (createAtStart) sendBack({ type: "transport.created", transport: fakeTransportHandle() });
    return () => {
      run.stopped = true;
    };
  });
  return {
    logic,
    runs,
    /** The runs not stopped yet. */
    live: () => runs.filter((run) => !run.stopped),
    /** The one live run; fails when there is none or more than one. */
    current(): TransportRun {
      const live = runs.filter((run) => !run.stopped);
      if (live.length !== 1) throw new Error(`expected exactly one live transport, found ${live.length}`);
      return live[0]!;
    },
  };
}

/** A Transport handle for `transport.created` (the data plane is not under test here), hidden as the real one is. */
export function fakeTransportHandle(name = "engine"): Hidden<Transport> {
  return hide<Transport>({ engine: { name }, send() {}, writable: true, isStale: () => false, closed: false }, "transport");
}

/** Settings with no jitter and the official defaults otherwise. */
export const exactSettings: ConnectionSettings = {
  reconnection: true,
  reconnectionAttempts: Infinity,
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0,
  timeout: 20000,
};

export interface ConnectionHarnessOptions {
  settings?: Partial<ConnectionSettings>;
  autoConnect?: boolean;
  /** Sees every inspection event of the actor system (e.g. the transitions taken). */
  inspect?: (event: InspectionEvent) => void;
  /** False: each transport run waits in `creating` until `created()` (see testTransport). */
  createAtStart?: boolean;
}

export type ConnectionHarness = ReturnType<typeof startConnection>;

/** A started connection actor on a SimulatedClock, with a test transport and a record of its emitted events. */
export function startConnection({ settings = {}, autoConnect = true, inspect, createAtStart }: ConnectionHarnessOptions = {}) {
  const clock = new SimulatedClock();
  const transport = testTransport({ createAtStart });
  const machine = connectionMachine.provide({
    actors: { transport: transport.logic },
  });
  const emitted: ConnectionEmitted[] = [];
  /** The SimulatedClock's time of each emitted event (ms since the start). */
  const times: number[] = [];
  /** The Manager's and the namespaces' emitted events in the order they came: "manager:open", "/a:connect", ... */
  const timeline: string[] = [];
  /** What the connection actor sent its namespace actors (connection.* and server.* notices), by namespace. */
  const notices: Record<string, NamespaceEvent[]> = {};
  const actor = createActor(machine, {
    clock,
    inspect: (inspection) => {
      inspect?.(inspection);
      // sent by the connection actor, the root of the system
      if (inspection.type !== "@xstate.event" || inspection.sourceRef?.sessionId !== inspection.rootId) return;
      const { event } = inspection;
      if (!event.type.startsWith("connection.") && !event.type.startsWith("server.")) return;
      (notices[(inspection.actorRef as AnyActorRef).id] ??= []).push(event as NamespaceEvent);
    },
    input: {
      endpoint: hide<Endpoint>(
        { uri: "http://127.0.0.1:1", engineOptions: { path: "/socket.io" }, parser: parser as unknown as Parser, deliver: () => {} },
        "endpoint",
      ),
      settings: { ...exactSettings, ...settings },
      autoConnect,
    },
  });
  actor.on("*", (event) => {
    emitted.push(event);
    times.push(clock.now());
    timeline.push(`manager:${event.type}`);
  });
  actor.start();
  return {
    actor: actor as Actor<typeof machine>,
    clock,
    transport,
    emitted,
    times,
    timeline,
    /** The connection.* and server.* events the connection actor sent the namespace actor of `nsp`. */
    noticesTo: (nsp: string): NamespaceEvent[] => notices[nsp] ?? [],
    /** The types of the emitted events, in order. */
    types: () => emitted.map((event) => event.type),
    /** The emitted events since the last call (or since the start). */
    drain(): ConnectionEmitted[] {
      times.splice(0, times.length);
      return emitted.splice(0, emitted.length);
    },
    state: () => actor.getSnapshot(),
    /** The current transport run creates its engine (with `createAtStart: false`). */
    created() {
      transport.current().send({ type: "transport.created", transport: fakeTransportHandle() });
    },
    /** The current transport run opens. */
    open() {
      transport.current().send({ type: "transport.opened" });
    },
    /** The current transport run fails with `message`. */
    fail(message = "xhr poll error") {
      transport.current().send({ type: "transport.error", error: new Error(message) });
    },
    /** The open connection is lost. */
    lose(reason = "transport close") {
      transport.current().send({ type: "transport.closed", reason });
    },
    /** Spawns the namespace actor of `nsp` (as a Socket does) and records what it emits. */
    createNamespace(nsp: string, { auth }: { auth?: AuthOption } = {}) {
      const events: NamespaceEmitted[] = [];
      const listener = (event: NamespaceEmitted) => {
        events.push(event);
        timeline.push(`${nsp}:${event.type}`);
      };
      actor.send({ type: "api.createNamespace", input: { nsp, credentials: createCredentials(auth) }, listener });
      // the namespace actors are children named by their namespace
      const ref = actor.getSnapshot().context.namespaces.get(nsp);
      if (!ref) throw new Error(`no namespace actor for ${nsp}`);
      return {
        ref,
        /** What the namespace emitted (inactive, connect, connect_error, disconnect), from its start. */
        events,
        /** The types of what it emitted. */
        types: () => events.map((event) => event.type),
        connect: () => ref.send({ type: "api.connect" }),
        disconnect: () => ref.send({ type: "api.disconnect" }),
      };
    },
    stop() {
      actor.stop();
    },
  };
}
