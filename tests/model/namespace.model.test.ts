// Model-based tests of the namespace machine: paths generated from the chart
// with xstate/graph are replayed on a real namespace actor (child of a tiny
// parent that records its reports), checking on every step that it is where
// the model says and that the invariants of a Socket hold.
import { createCredentials } from "../../machines/credentials.js";
import { PacketType } from "socket.io-parser";
import { describe, expect, it } from "vitest";
import type { AnyActorRef, SnapshotFrom } from "xstate";
import { getStateNodes } from "xstate/graph";
import { namespaceMachine, type AuthOption, type NamespaceEvent, type NamespaceReport } from "../../machines/namespace.machine.js";
import { startNamespace, type NamespaceHarness } from "../namespace-harness.js";
import { holds, same } from "./check.js";
import { describePath, edgePaths, type ModelPath, simplePaths, transitionKey } from "./paths.js";

// the traversal runs without a parent: what the namespace sends its parent is checked on the real actor
const noParent = () => {};
const model = namespaceMachine.provide({
  actions: { announceActivation: noParent, announceDeactivation: noParent, sendConnectPacket: noParent, sendDisconnectPacket: noParent },
});

type Snapshot = SnapshotFrom<typeof namespaceMachine>;
type Path = ModelPath<Snapshot, NamespaceEvent>;

const alphabet: NamespaceEvent[] = [
  { type: "api.connect" },
  { type: "api.disconnect" },
  { type: "connection.opened" },
  { type: "connection.failed", error: new Error("xhr poll error"), willRetry: true },
  { type: "connection.failed", error: new Error("xhr poll error"), willRetry: false },
  { type: "connection.error", error: new Error("write error") },
  { type: "connection.closed", reason: "transport close", willReconnect: true },
  { type: "connection.closed", reason: "ping timeout", willReconnect: false },
  { type: "connection.abandoned" },
  { type: "connection.unsendable", error: new TypeError("Do not know how to serialize a BigInt") },
  { type: "server.connect", sid: "s1", recovered: false },
  { type: "server.connect", sid: "s2", recovered: true },
  { type: "server.connect", sid: undefined, recovered: false },
  { type: "server.connectError", error: new Error("not authorized") },
  { type: "server.disconnect" },
  { type: "auth.resolved" },
  { type: "auth.rejected", error: new TypeError("bad auth") },
];

const inConnected = (s: Snapshot) => s.matches({ active: "connected" });
const inAwaitingServer = (s: Snapshot) => s.matches({ active: { handshaking: "awaitingServer" } });
const inAuthenticating = (s: Snapshot) => s.matches({ active: { handshaking: "authenticating" } });
const isActive = (s: Snapshot) => s.matches("active");

/** A deferred auth function: the replay calls back when the model resolves or rejects. */
function deferredAuth() {
  const callbacks: Array<(data: unknown) => void> = [];
  const auth: AuthOption = (callback) => {
    callbacks.push(callback as (data: unknown) => void);
  };
  return { auth, callbacks };
}

const serializeState = (s: Snapshot) => JSON.stringify([s.value, s.context.id, s.context.recovered]);

function traversal(auth: AuthOption | undefined, keep: (event: NamespaceEvent) => boolean = () => true) {
  return {
    input: { nsp: "/chat", credentials: createCredentials(auth) },
    events: alphabet.filter(keep),
    filterEvents: (snapshot: Snapshot, event: NamespaceEvent) =>
      // not snapshot.can(), which is false for a transition that only stops the event (connected on connection.error)
      snapshot.machine.getTransitionData(snapshot, event).length > 0 &&
      // the connection machine tells a connected namespace that the connection closed before anything else
      !(inConnected(snapshot) && (event.type === "connection.failed" || event.type === "connection.abandoned")),
    serializeState,
  };
}

function apply(h: NamespaceHarness, callbacks: Array<(data: unknown) => void>, event: NamespaceEvent) {
  if (event.type === "auth.resolved" || event.type === "auth.rejected") {
    same(inAuthenticating(h.state()), true, "the auth function is being waited for");
    const callback = callbacks.at(-1);
    holds(callback !== undefined, "the auth function was called");
    callback!(event.type === "auth.resolved" ? { token: "t" } : "not an object");
  } else {
    h.send(event);
  }
}

function expectSameState(real: Snapshot, model: Snapshot) {
  same(real.value, model.value, "state");
  same(real.context.id, model.context.id, "id");
  same(real.context.recovered, model.context.recovered, "recovered");
}

const packetsOf = (reports: NamespaceReport[]) => reports.flatMap((report) => (report.type === "namespace.send" ? [report.packet] : []));

function checkStep(before: Snapshot, after: Snapshot, event: NamespaceEvent, reports: NamespaceReport[], emitted: string[]) {
  const count = (items: string[], type: string) => items.filter((t) => t === type).length;
  const reportTypes = reports.map((report) => report.type);

  // the id exists exactly while connected
  same(after.context.id !== undefined, inConnected(after), "id defined iff connected");
  same(after.hasTag("connected"), inConnected(after), "tag connected iff connected");

  // one activation report per entry into active, one deactivation per exit
  same(count(reportTypes, "namespace.activated"), !isActive(before) && isActive(after) ? 1 : 0, "namespace.activated per entry");
  same(count(reportTypes, "namespace.deactivated"), isActive(before) && !isActive(after) ? 1 : 0, "namespace.deactivated per exit");

  // connect per entry into connected, disconnect per exit
  same(count(emitted, "connect"), !inConnected(before) && inConnected(after) ? 1 : 0, "connect per entry into connected");
  same(count(emitted, "disconnect"), inConnected(before) && !inConnected(after) ? 1 : 0, "disconnect per exit from connected");
  // inactive per entry into inactive (the Socket stopped trying), after the connect_error or disconnect that caused it
  same(count(emitted, "inactive"), isActive(before) && !isActive(after) ? 1 : 0, "inactive per entry into inactive");
  if (count(emitted, "inactive")) same(emitted.at(-1), "inactive", "inactive comes last");
  if (count(emitted, "connect_error")) {
    holds(
      ["connection.failed", "connection.error", "connection.unsendable", "server.connectError", "server.connect", "auth.rejected"].includes(event.type),
      `connect_error on ${event.type}`,
    );
    holds(!inConnected(after), "connect_error leaves the namespace unconnected");
  }

  // CONNECT on entering awaitingServer (the session to recover is the transport's: tests/unit/namespace.machine.test.ts); DISCONNECT when leaving after it
  const packets = packetsOf(reports);
  const connects = packets.filter((packet) => packet.type === PacketType.CONNECT);
  same(connects.length, !inAwaitingServer(before) && inAwaitingServer(after) ? 1 : 0, "CONNECT on entering awaitingServer");
  for (const packet of connects) {
    same(packet.nsp, "/chat", "CONNECT namespace");
    same(packet.data, { token: "t" }, "CONNECT payload");
  }
  const leftWithDisconnect = event.type === "api.disconnect" && (inConnected(before) || inAwaitingServer(before));
  same(packets.filter((packet) => packet.type === PacketType.DISCONNECT), leftWithDisconnect ? [{ type: PacketType.DISCONNECT, nsp: "/chat" }] : [], "DISCONNECT");
  // the packet leaves before the parent hears of the deactivation (and may close the connection)
  if (leftWithDisconnect) same(reportTypes.at(-1), "namespace.deactivated", "DISCONNECT before namespace.deactivated");

  // nothing happens on a step that changes no state
  if (serializeState(before) === serializeState(after)) {
    same(reports, [], "no report without a transition");
    holds(emitted.every((type) => type === "connect_error"), `only connect_error without a transition, got ${emitted}`);
  }
}

type AuthKind = "function" | "object";

/** Replays `path` on a real actor whose auth is a deferred function or an object; `taken` collects the transitions it took. */
function replay(path: Path, authKind: AuthKind = "function", taken?: Set<string>) {
  const { auth: authFunction, callbacks } = deferredAuth();
  const auth = authKind === "function" ? authFunction : { token: "t" };
  const h = startNamespace({ auth }, (inspection) => {
    if (taken && inspection.type === "@xstate.microstep" && (inspection.actorRef as AnyActorRef).id === "namespace") {
      for (const transition of inspection._transitions) taken.add(transitionKey(transition));
    }
  });
  try {
    expectSameState(h.state(), path.initial);
    same(h.types(), ["inactive"], "inactive on the initial entry");
    let before = h.state();
    for (const step of path.steps) {
      const seenReports = h.reports.length;
      const seenEvents = h.events.length;
      apply(h, callbacks, step.event);
      const after = h.state();
      expectSameState(after, step.state);
      checkStep(
        before,
        after,
        step.event,
        h.reports.slice(seenReports),
        h.events.slice(seenEvents).map((event) => event.type),
      );
      before = after;
    }
    // activations alternate, starting with the first activation, and the last one tells whether it is active
    const first = h.activations().indexOf("activated");
    const activations = first < 0 ? [] : h.activations().slice(first);
    activations.forEach((type, i) => same(type, i % 2 === 0 ? "activated" : "deactivated", "activations alternate"));
    if (activations.length) same(activations.at(-1) === "activated", isActive(h.state()), "the last report matches the state");
    // every connect is closed by one disconnect, except while connected
    const connects = h.events.filter((event) => event.type === "connect").length;
    const disconnects = h.events.filter((event) => event.type === "disconnect").length;
    same(connects - disconnects, inConnected(h.state()) ? 1 : 0, "connect and disconnect alternate");
    // the facade hears inactive exactly when the Manager hears namespace.deactivated, and once more on the initial entry
    same(h.types().filter((type) => type === "inactive").length, 1 + h.activations().filter((type) => type === "deactivated").length, "one inactive per deactivation");
  } catch (error) {
    (error as Error).message += `\n  path: ${describePath(path)}`;
    throw error;
  } finally {
    h.stop();
  }
}

describe("namespace machine, generated paths", () => {
  const { auth } = deferredAuth();

  it("every transition of every reachable state keeps the invariants", () => {
    const paths = edgePaths(model, traversal(auth));
    expect(paths.length).toBeGreaterThan(50);
    for (const path of paths) replay(path);
  });

  it("every simple path keeps the invariants", () => {
    const paths = simplePaths(model, traversal(auth));
    expect(paths.length).toBeGreaterThan(80);
    for (const path of paths) replay(path);
  });

  it("with an auth object, every transition of every reachable state keeps the invariants", () => {
    const paths = edgePaths(model, traversal({ token: "t" }));
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) replay(path, "object");
  });

  it("the replayed paths (auth function and auth object) take every transition of the chart that the model can", () => {
    const taken = new Set<string>();
    for (const path of edgePaths(model, traversal(auth))) replay(path, "function", taken);
    for (const path of edgePaths(model, traversal({ token: "t" }))) replay(path, "object", taken);
    const nodes = [namespaceMachine.root, ...getStateNodes(namespaceMachine.root)];
    const all = nodes.flatMap((node) => [...node.transitions.values(), node.always ?? []].flat()).map(transitionKey);
    // every transition is in the model's alphabet
    const outsideModel: string[] = [];
    expect(all.length).toBeGreaterThan(20);
    expect([...taken].sort()).toEqual(all.filter((key) => !outsideModel.includes(key)).sort());
  });

  it("the generated paths reach every state of the chart", () => {
    const reached = new Set<string>();
    for (const path of edgePaths(model, traversal(auth))) {
      for (const { state } of [{ state: path.initial }, ...path.steps]) for (const node of state._nodes) reached.add(node.id);
    }
    // a state left in the same macrostep by an unguarded eventless transition is never observed
    const observable = [namespaceMachine.root, ...getStateNodes(namespaceMachine.root)]
      .filter((node) => !node.always?.some((transition) => !transition.guard))
      .map((node) => node.id);
    expect(observable).toContain("namespace.active.connected");
    expect([...reached].sort()).toEqual(observable.sort());
  });
});
