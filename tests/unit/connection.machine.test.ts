// The connection machine (the Manager) with a transport played by the test and
// a SimulatedClock: every state, every transition, the emitted Manager events,
// and what the namespace actors it spawns are told.
import { PacketType } from "socket.io-parser";
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectionEvent } from "../../machines/connection.machine.js";
import { NEVER } from "../../machines/delays.js";
import { reveal } from "../../machines/secrets.js";
import { fakeTransportHandle, startConnection, type ConnectionHarness } from "../machine-harness.js";

const harnesses: ConnectionHarness[] = [];
function start(...args: Parameters<typeof startConnection>): ConnectionHarness {
  const h = startConnection(...args);
  harnesses.push(h);
  return h;
}
afterEach(() => {
  for (const h of harnesses.splice(0)) h.stop();
});

/** The connection actor's children: its namespace actors (held in `namespaces`) and its transport or backoff. */
const childIds = (h: ConnectionHarness) => [...h.state().context.namespaces.keys(), ...Object.keys(h.state().children)].sort();
const connectPacket = (nsp: string, sid = `sid${nsp}`) => ({ type: PacketType.CONNECT, nsp, data: { sid } });
const sentPackets = (h: ConnectionHarness) => h.transport.runs.flatMap((run) => run.received.map((command) => command.packet));

/** Namespaces /a and /b, both connecting, and the transport opened. */
function openWithTwoNamespaces(h: ConnectionHarness) {
  const a = h.createNamespace("/a");
  const b = h.createNamespace("/b");
  a.connect();
  b.connect();
  h.open();
  return { a, b };
}

describe("starting", () => {
  it("with autoConnect, starts opening a transport at once", () => {
    const h = start();
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
    expect(childIds(h)).toEqual(["transport"]);
    expect(h.transport.runs).toHaveLength(1);
    expect(reveal(h.transport.runs[0]!.input)).toMatchObject({ uri: "http://127.0.0.1:1", engineOptions: { path: "/socket.io" } });
    expect(h.emitted).toEqual([]);
  });

  it("without autoConnect, stays idle with no transport until api.open", () => {
    const h = start({ autoConnect: false });
    h.clock.increment(60_000);
    expect(h.state().value).toBe("idle");
    expect(h.transport.runs).toHaveLength(0);
    expect(childIds(h)).toEqual([]);
    h.actor.send({ type: "api.open" });
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
    expect(h.transport.live()).toHaveLength(1);
  });

  it("ignores api.close while idle", () => {
    const h = start({ autoConnect: false });
    h.actor.send({ type: "api.close" });
    expect(h.state().value).toBe("idle");
    expect(h.emitted).toEqual([]);
  });
});

describe("opening", () => {
  it("goes open on transport.opened and emits open, without reconnect on a first connection", () => {
    const h = start();
    h.open();
    expect(h.state().matches({ active: { engine: "open" } })).toBe(true);
    expect(h.emitted).toEqual([{ type: "open" }]);
    expect(h.state().context.attempt).toBe(0);
    expect(h.transport.live()).toHaveLength(1);
  });

  it("keeps the handle of transport.created for the data plane", () => {
    const h = start({ createAtStart: false });
    expect(h.state().matches({ active: { engine: "creating" } })).toBe(true);
    const handle = fakeTransportHandle();
    h.transport.current().send({ type: "transport.created", transport: handle });
    expect(h.state().context.transport).toBe(handle);
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
  });

  it("fails the attempt with a timeout error exactly settings.timeout ms after it started", () => {
    const h = start({ settings: { timeout: 3000 } });
    h.clock.increment(2999);
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
    h.clock.increment(1);
    expect(h.state().matches({ active: "waiting" })).toBe(true);
    expect(h.emitted).toHaveLength(1);
    expect(h.emitted[0]).toMatchObject({ type: "error", error: { message: "timeout" } });
    expect(h.transport.runs[0]!.stopped).toBe(true);
  });

  it("never times out with timeout: false (on any clock: not before setTimeout's longest delay, which the client's own clock never arms)", () => {
    const h = start({ settings: { timeout: false } });
    h.clock.increment(NEVER - 1);
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
    expect(h.emitted).toEqual([]);
  });

  it("does not time out once open", () => {
    const h = start({ settings: { timeout: 3000 } });
    h.open();
    h.clock.increment(1e9);
    expect(h.state().matches({ active: { engine: "open" } })).toBe(true);
    expect(h.types()).toEqual(["open"]);
  });

  it("on transport.error, emits error (no reconnect_error for the first attempt) and waits with a backoff", () => {
    const h = start();
    h.fail("xhr poll error");
    expect(h.state().matches({ active: "waiting" })).toBe(true);
    expect(h.emitted).toEqual([{ type: "error", error: new Error("xhr poll error") }]);
    expect(childIds(h)).toEqual(["backoff"]);
    expect(h.transport.live()).toHaveLength(0);
  });

  it("on transport.closed before opening, emits an error carrying the description, or the reason", () => {
    const h = start();
    const description = new Error("ECONNREFUSED");
    h.transport.current().send({ type: "transport.closed", reason: "transport error", description });
    expect(h.emitted).toEqual([{ type: "error", error: description }]);
    h.clock.increment(1000);
    h.transport.current().send({ type: "transport.closed", reason: "transport close" });
    expect(h.emitted.slice(2)).toEqual([
      { type: "error", error: new Error("transport close") },
      { type: "reconnect_error", error: new Error("transport close") },
    ]);
  });

  it("without reconnection, a failed attempt emits error and closes", () => {
    const h = start({ settings: { reconnection: false } });
    h.fail();
    expect(h.state().value).toBe("closed");
    expect(h.types()).toEqual(["error"]);
    expect(childIds(h)).toEqual([]);
    h.clock.increment(60_000);
    expect(h.transport.runs).toHaveLength(1);
  });

  it("does not start a second transport on api.open while opening", () => {
    const h = start();
    h.actor.send({ type: "api.open" });
    expect(h.transport.runs).toHaveLength(1);
    expect(childIds(h)).toEqual(["transport"]);
  });
});

describe("reconnecting", () => {
  it("emits reconnect_attempt(1) exactly reconnectionDelay ms after the failure, and starts a new transport", () => {
    const h = start();
    h.fail();
    h.drain();
    h.clock.increment(999);
    expect(h.emitted).toEqual([]);
    expect(h.transport.runs).toHaveLength(1);
    h.clock.increment(1);
    expect(h.emitted).toEqual([{ type: "reconnect_attempt", attempt: 1 }]);
    expect(h.times).toEqual([1000]);
    expect(h.state().context.attempt).toBe(1);
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
    expect(h.clock.now()).toBe(1000);
    expect(h.transport.runs).toHaveLength(2);
    expect(childIds(h)).toEqual(["transport"]);
    expect(h.emitted).toEqual([{ type: "reconnect_attempt", attempt: 1 }]);
  });

  it("on a failed reconnection attempt, emits error then reconnect_error, and waits again", () => {
    const h = start();
    h.fail("first");
    h.clock.increment(1000);
    h.drain();
    h.fail("second");
    expect(h.emitted).toEqual([
      { type: "error", error: new Error("second") },
      { type: "reconnect_error", error: new Error("second") },
    ]);
    expect(h.state().matches({ active: "waiting" })).toBe(true);
    expect(h.state().context.attempt).toBe(1);
  });

  it("on success, emits open then reconnect(n) and counts attempts from 0 again", () => {
    const h = start();
    h.fail();
    h.clock.increment(1000);
    h.fail();
    h.clock.increment(2000);
    h.drain();
    h.open();
    expect(h.emitted).toEqual([{ type: "open" }, { type: "reconnect", attempt: 2 }]);
    expect(h.state().context.attempt).toBe(0);
    // the next loss starts again from the first delay
    h.lose();
    h.drain();
    h.clock.increment(999);
    expect(h.emitted).toEqual([]);
    h.clock.increment(1);
    expect(h.emitted).toEqual([{ type: "reconnect_attempt", attempt: 1 }]);
  });

  it("emits reconnect_failed and closes after reconnectionAttempts failed reconnections", () => {
    const h = start({ settings: { reconnectionAttempts: 2 } });
    h.fail();
    h.clock.increment(1000);
    h.fail();
    h.clock.increment(2000);
    h.fail();
    expect(h.types()).toEqual([
      "error",
      "reconnect_attempt",
      "error",
      "reconnect_error",
      "reconnect_attempt",
      "error",
      "reconnect_error",
      "reconnect_failed",
    ]);
    expect(h.state().value).toBe("closed");
    expect(h.state().context.attempt).toBe(0);
    expect(childIds(h)).toEqual([]);
    h.clock.increment(1e6);
    expect(h.transport.runs).toHaveLength(3);
  });

  it("gives up at once with reconnectionAttempts 0", () => {
    const h = start({ settings: { reconnectionAttempts: 0 } });
    h.fail();
    expect(h.types()).toEqual(["error", "reconnect_failed"]);
    expect(h.state().value).toBe("closed");
  });

  it("schedules reconnect_attempt 1000, 2000, 4000, 5000, 5000, 5000 ms after each failure (factor 0, max 5000)", () => {
    const h = start();
    h.fail();
    for (const [attempt, delay] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [4, 5000],
      [5, 5000],
      [6, 5000],
    ] as const) {
      const failedAt = h.clock.now();
      h.drain();
      h.clock.increment(delay - 1);
      expect(h.emitted).toEqual([]);
      h.clock.increment(1);
      expect(h.emitted).toEqual([{ type: "reconnect_attempt", attempt }]);
      expect(h.times).toEqual([failedAt + delay]);
      h.fail();
    }
  });

  it("counts the connect timeout of each attempt before its backoff: attempts at 21000, 43000, 67000 and 92000 ms", () => {
    const h = start({ settings: { timeout: 20_000 } });
    // in steps, each letting the 0 ms listeners' turn run at the time it reached, as a real clock would
    for (let elapsed = 0; elapsed < 100_000; elapsed += 500) h.clock.increment(500);
    const attempts = h.emitted.flatMap((event, i) => (event.type === "reconnect_attempt" ? [[event.attempt, h.times[i]]] : []));
    expect(attempts).toEqual([
      [1, 21_000],
      [2, 43_000],
      [3, 67_000],
      [4, 92_000],
    ]);
    const errors = h.emitted.flatMap((event, i) => (event.type === "error" ? [h.times[i]] : []));
    expect(errors).toEqual([20_000, 41_000, 63_000, 87_000]);
  });

  it("keeps reconnecting past attempt 1024 when reconnectionDelay is 0", () => {
    const h = start({ settings: { reconnectionDelay: 0 } });
    h.fail();
    for (let n = 1; n <= 1100; n++) {
      h.clock.increment(0); // the backoff of 0 ms elapses
      if (!h.state().matches({ active: { engine: "opening" } })) break;
      h.fail();
    }
    const attempts = h.emitted.flatMap((event) => (event.type === "reconnect_attempt" ? [event.attempt] : []));
    expect(attempts.at(-1)).toBe(1100);
  });


  it("ignores events from a transport run it already stopped", () => {
    const h = start();
    const first = h.transport.current();
    h.fail();
    first.send({ type: "transport.opened" });
    expect(h.state().matches({ active: "waiting" })).toBe(true);
    expect(h.types()).toEqual(["error"]);
  });
});

describe("open", () => {
  it("emits ping on transport.ping", () => {
    const h = start();
    h.open();
    h.transport.current().send({ type: "transport.ping" });
    expect(h.types()).toEqual(["open", "ping"]);
  });

  it("emits error on transport.error and stays open", () => {
    const h = start();
    h.open();
    h.fail("write error");
    expect(h.state().matches({ active: { engine: "open" } })).toBe(true);
    expect(h.emitted).toEqual([{ type: "open" }, { type: "error", error: new Error("write error") }]);
    expect(h.transport.live()).toHaveLength(1);
  });

  it("on a lost connection, emits close(reason, description) and reconnects after the backoff", () => {
    const h = start();
    h.open();
    const description = { description: "socket hang up", context: 42 };
    h.transport.current().send({ type: "transport.closed", reason: "transport close", description });
    expect(h.emitted).toEqual([{ type: "open" }, { type: "close", reason: "transport close", description }]);
    expect(h.state().matches({ active: "waiting" })).toBe(true);
    expect(h.transport.live()).toHaveLength(0);
    h.clock.increment(1000);
    expect(h.types().slice(2)).toEqual(["reconnect_attempt"]);
    expect(h.transport.live()).toHaveLength(1);
  });

  it("on a lost connection without reconnection, emits close and closes", () => {
    const h = start({ settings: { reconnection: false } });
    h.open();
    h.lose("ping timeout");
    expect(h.emitted).toEqual([{ type: "open" }, { type: "close", reason: "ping timeout", description: undefined }]);
    expect(h.state().value).toBe("closed");
    expect(childIds(h)).toEqual([]);
  });

  it("does not start a second transport on api.open while open", () => {
    const h = start();
    h.open();
    h.actor.send({ type: "api.open" });
    expect(h.transport.runs).toHaveLength(1);
    expect(h.types()).toEqual(["open"]);
  });
});

describe("api.close", () => {
  it("from opening: closes with a forced close and stops the transport", () => {
    const h = start();
    h.actor.send({ type: "api.close" });
    expect(h.state().value).toBe("closed");
    expect(h.emitted).toEqual([{ type: "close", reason: "forced close" }]);
    expect(h.transport.runs[0]!.stopped).toBe(true);
    h.clock.increment(1e6);
    expect(h.transport.runs).toHaveLength(1);
  });

  it("from open: closes with a forced close and stops the transport", () => {
    const h = start();
    h.open();
    h.actor.send({ type: "api.close" });
    expect(h.state().value).toBe("closed");
    expect(h.types()).toEqual(["open", "close"]);
    expect(h.emitted[1]).toEqual({ type: "close", reason: "forced close" });
    expect(h.transport.live()).toHaveLength(0);
  });

  it("from waiting: closes, stops the backoff, and no reconnect_attempt ever comes", () => {
    const h = start();
    h.fail();
    h.actor.send({ type: "api.close" });
    expect(h.state().value).toBe("closed");
    expect(childIds(h)).toEqual([]);
    h.clock.increment(1e6);
    expect(h.types()).not.toContain("reconnect_attempt");
    expect(h.transport.runs).toHaveLength(1);
  });

  it("from a reconnection attempt: resets the attempt count, so api.open starts over from attempt 1", () => {
    const h = start();
    h.fail();
    h.clock.increment(1000);
    h.fail();
    h.clock.increment(2000);
    expect(h.state().context.attempt).toBe(2);
    h.actor.send({ type: "api.close" });
    expect(h.state().context.attempt).toBe(0);
    h.actor.send({ type: "api.open" });
    h.drain();
    h.fail();
    h.clock.increment(1000);
    expect(h.emitted).toEqual([
      { type: "error", error: new Error("xhr poll error") },
      { type: "reconnect_attempt", attempt: 1 },
    ]);
  });

  it("is ignored once closed; api.open reopens", () => {
    const h = start();
    h.actor.send({ type: "api.close" });
    h.actor.send({ type: "api.close" });
    expect(h.types()).toEqual(["close"]);
    h.actor.send({ type: "api.open" });
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
    expect(h.transport.live()).toHaveLength(1);
    expect(h.transport.runs).toHaveLength(2);
  });
});

describe("api.configure", () => {
  it("stores the settings in any state", () => {
    const h = start({ autoConnect: false });
    h.actor.send({ type: "api.configure", settings: { reconnectionDelay: 10 } });
    expect(h.state().context.settings.reconnectionDelay).toBe(10);
    h.actor.send({ type: "api.open" });
    h.actor.send({ type: "api.configure", settings: { reconnectionDelayMax: 20 } });
    h.open();
    h.actor.send({ type: "api.configure", settings: { randomizationFactor: 0.1 } });
    expect(h.state().context.settings).toMatchObject({ reconnectionDelay: 10, reconnectionDelayMax: 20, randomizationFactor: 0.1 });
  });

  it("while waiting, a new reconnectionDelay applies to the next wait, not the current one", () => {
    const h = start();
    h.fail();
    h.actor.send({ type: "api.configure", settings: { reconnectionDelay: 100, reconnectionDelayMax: 100 } });
    h.drain();
    h.clock.increment(999);
    expect(h.emitted).toEqual([]);
    h.clock.increment(1);
    expect(h.types()).toEqual(["reconnect_attempt"]);
    h.fail();
    h.drain();
    h.clock.increment(100);
    expect(h.emitted).toEqual([{ type: "reconnect_attempt", attempt: 2 }]);
  });

  it("a new timeout applies to the next attempt", () => {
    const h = start({ settings: { timeout: 5000 } });
    h.actor.send({ type: "api.configure", settings: { timeout: 100 } });
    h.clock.increment(4999);
    expect(h.types()).toEqual([]);
    h.clock.increment(1);
    expect(h.types()).toEqual(["error"]);
    h.clock.increment(1000);
    h.clock.increment(99);
    expect(h.types()).toEqual(["error", "reconnect_attempt"]);
    h.clock.increment(1);
    expect(h.types()).toEqual(["error", "reconnect_attempt", "error", "reconnect_error"]);
  });

  it("reconnection: false while waiting closes at once, without reconnect_failed", () => {
    const h = start();
    h.fail();
    h.actor.send({ type: "api.configure", settings: { reconnection: false } });
    expect(h.state().value).toBe("closed");
    expect(childIds(h)).toEqual([]);
    h.clock.increment(1e6);
    expect(h.types()).toEqual(["error"]);
  });

  it("reconnection: false while open makes the next loss final", () => {
    const h = start();
    h.open();
    h.actor.send({ type: "api.configure", settings: { reconnection: false } });
    h.lose();
    expect(h.state().value).toBe("closed");
    expect(h.types()).toEqual(["open", "close"]);
  });

  it("reconnection: true while waiting keeps waiting", () => {
    const h = start();
    h.fail();
    h.actor.send({ type: "api.configure", settings: { reconnection: true } });
    expect(h.state().matches({ active: "waiting" })).toBe(true);
    expect(childIds(h)).toEqual(["backoff"]);
  });

  it("a lower reconnectionAttempts applies when the next wait is decided", () => {
    const h = start();
    h.fail();
    h.clock.increment(1000);
    h.actor.send({ type: "api.configure", settings: { reconnectionAttempts: 1 } });
    h.fail();
    expect(h.types()).toEqual(["error", "reconnect_attempt", "error", "reconnect_error", "reconnect_failed"]);
    expect(h.state().value).toBe("closed");
  });
});

describe("namespaces", () => {
  it("spawns one namespace actor per namespace, once", () => {
    const h = start({ autoConnect: false });
    const a = h.createNamespace("/a");
    h.createNamespace("/b");
    const again = h.createNamespace("/a");
    expect(again.ref).toBe(a.ref);
    expect(childIds(h)).toEqual(["/a", "/b"]);
    expect(a.ref.getSnapshot().value).toBe("inactive");
  });

  it("opens an idle connection when a namespace activates, and greets it with connection.opened once open", () => {
    const h = start({ autoConnect: false });
    const a = h.createNamespace("/a", { auth: { token: "t" } });
    a.connect();
    expect(h.state().context.activeNamespaces).toEqual(["/a"]);
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
    expect(a.ref.getSnapshot().matches({ active: "awaitingConnection" })).toBe(true);
    h.open();
    expect(a.ref.getSnapshot().matches({ active: { handshaking: "awaitingServer" } })).toBe(true);
    expect(sentPackets(h)).toEqual([{ type: PacketType.CONNECT, nsp: "/a", data: { token: "t" } }]);
  });

  it("reopens a closed connection when a namespace activates", () => {
    const h = start();
    h.actor.send({ type: "api.close" });
    const a = h.createNamespace("/a");
    a.connect();
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
  });

  it("greets a namespace that activates while the connection is open, at once", () => {
    const h = start();
    h.open();
    const a = h.createNamespace("/a");
    a.connect();
    expect(a.ref.getSnapshot().matches({ active: "handshaking" })).toBe(true);
    expect(sentPackets(h)).toEqual([{ type: PacketType.CONNECT, nsp: "/a", data: undefined }]);
  });

  it("greets a namespace that activated while waiting when the reconnection opens", () => {
    const h = start();
    h.fail();
    const a = h.createNamespace("/a");
    a.connect();
    expect(a.ref.getSnapshot().matches({ active: "awaitingConnection" })).toBe(true);
    h.clock.increment(1000);
    h.open();
    expect(a.ref.getSnapshot().matches({ active: "handshaking" })).toBe(true);
    expect(h.transport.current().received).toHaveLength(1);
  });

  it("routes a handshake packet to its namespace only", () => {
    const h = start();
    const { a, b } = openWithTwoNamespaces(h);
    h.transport.current().send({ type: "transport.packet", packet: connectPacket("/b", "B1") });
    expect(b.ref.getSnapshot().hasTag("connected")).toBe(true);
    expect(b.ref.getSnapshot().context.id).toBe("B1");
    expect(b.events).toEqual([{ type: "inactive" }, { type: "connect" }]);
    expect(a.ref.getSnapshot().hasTag("connected")).toBe(false);
    h.transport.current().send({
      type: "transport.packet",
      packet: { type: PacketType.CONNECT_ERROR, nsp: "/a", data: { message: "not authorized", data: { code: 7 } } },
    });
    expect(a.types()).toEqual(["inactive", "connect_error", "inactive"]);
    expect(a.events[1]).toMatchObject({ type: "connect_error", error: { message: "not authorized", data: { code: 7 } } });
    expect(a.ref.getSnapshot().value).toBe("inactive");
    expect(b.ref.getSnapshot().hasTag("connected")).toBe(true);
  });

  it("drops handshake packets for unknown namespaces and data packets", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.open();
    h.transport.current().send({ type: "transport.packet", packet: connectPacket("/nobody") });
    h.transport.current().send({ type: "transport.packet", packet: { type: PacketType.EVENT, nsp: "/a", data: ["x"] } });
    expect(a.ref.getSnapshot().matches({ active: "handshaking" })).toBe(true);
    expect(childIds(h)).toEqual(["/a", "transport"]);
  });

  it("forwards namespace.send to the transport (the DISCONNECT of a namespace leaving)", () => {
    const h = start();
    const { a, b } = openWithTwoNamespaces(h);
    h.transport.current().send({ type: "transport.packet", packet: connectPacket("/a") });
    a.disconnect();
    expect(sentPackets(h)).toEqual([
      { type: PacketType.CONNECT, nsp: "/a", data: undefined },
      { type: PacketType.CONNECT, nsp: "/b", data: undefined },
      { type: PacketType.DISCONNECT, nsp: "/a" },
    ]);
    expect(h.transport.current().received.every((command) => command.type === "transport.send")).toBe(true);
  });

  it("keeps the connection while another namespace is active; the last one leaving closes it (forced close)", () => {
    const h = start();
    const { a, b } = openWithTwoNamespaces(h);
    a.disconnect();
    expect(h.state().context.activeNamespaces).toEqual(["/b"]);
    expect(h.state().matches({ active: { engine: "open" } })).toBe(true);
    b.disconnect();
    expect(h.state().value).toBe("closed");
    expect(h.state().context.activeNamespaces).toEqual([]);
    expect(h.types()).toEqual(["open", "close"]);
    expect(h.emitted[1]).toEqual({ type: "close", reason: "forced close" });
    expect(h.transport.live()).toHaveLength(0);
    // the DISCONNECT left before the transport was stopped
    expect(sentPackets(h).at(-1)).toEqual({ type: PacketType.DISCONNECT, nsp: "/b" });
  });

  it("the last namespace leaving while opening or waiting closes the connection", () => {
    const opening = start({ autoConnect: false });
    const a = opening.createNamespace("/a");
    a.connect();
    a.disconnect();
    expect(opening.state().value).toBe("closed");
    expect(opening.types()).toEqual(["close"]);
    expect(opening.transport.live()).toHaveLength(0);

    const waiting = start({ autoConnect: false });
    const b = waiting.createNamespace("/b");
    b.connect();
    waiting.fail();
    expect(waiting.state().matches({ active: "waiting" })).toBe(true);
    b.disconnect();
    expect(waiting.state().value).toBe("closed");
    expect(childIds(waiting)).toEqual(["/b"]);
  });

  it("a namespace that never activated leaving does not close the connection", () => {
    const h = start();
    const a = h.createNamespace("/a");
    h.open();
    a.disconnect();
    expect(h.state().matches({ active: { engine: "open" } })).toBe(true);
  });

  it("tells the namespaces about a failed attempt: connect_error, then they wait for the reconnection", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.fail("refused");
    expect(a.events).toEqual([{ type: "inactive" }, { type: "connect_error", error: new Error("refused") }]);
    expect(a.ref.getSnapshot().matches({ active: "awaitingConnection" })).toBe(true);
    h.clock.increment(1000);
    h.open();
    expect(a.ref.getSnapshot().matches({ active: "handshaking" })).toBe(true);
  });

  it("without reconnection, a failed attempt makes the namespaces inactive", () => {
    const h = start({ settings: { reconnection: false } });
    const a = h.createNamespace("/a");
    a.connect();
    h.fail("refused");
    expect(a.events).toEqual([{ type: "inactive" }, { type: "connect_error", error: new Error("refused") }, { type: "inactive" }]);
    expect(a.ref.getSnapshot().value).toBe("inactive");
    expect(h.state().context.activeNamespaces).toEqual([]);
    expect(h.state().value).toBe("closed");
  });

  it("a lost connection disconnects a connected namespace, which handshakes again after the reconnection", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.open();
    h.transport.current().send({ type: "transport.packet", packet: connectPacket("/a", "first") });
    h.lose("transport close");
    expect(a.events).toEqual([
      { type: "inactive" },
      { type: "connect" },
      { type: "disconnect", reason: "transport close", description: undefined },
    ]);
    expect(a.ref.getSnapshot().context.id).toBeUndefined();
    h.clock.increment(1000);
    h.open();
    expect(h.transport.current().received.map((command) => command.packet)).toEqual([
      { type: PacketType.CONNECT, nsp: "/a", data: undefined },
    ]);
    h.transport.current().send({ type: "transport.packet", packet: connectPacket("/a", "second") });
    expect(a.ref.getSnapshot().context.id).toBe("second");
  });

  it("an error on the open connection reaches a namespace still handshaking as connect_error, not a connected one", () => {
    const h = start();
    const { a, b } = openWithTwoNamespaces(h);
    h.transport.current().send({ type: "transport.packet", packet: connectPacket("/a") });
    h.fail("write error");
    expect(a.events).toEqual([{ type: "inactive" }, { type: "connect" }]);
    expect(b.events).toEqual([{ type: "inactive" }, { type: "connect_error", error: new Error("write error") }]);
  });

  it("reconnect_failed makes the waiting namespaces inactive", () => {
    const h = start({ settings: { reconnectionAttempts: 1 } });
    const a = h.createNamespace("/a");
    a.connect();
    h.fail();
    h.clock.increment(1000);
    h.fail();
    expect(h.types().at(-1)).toBe("reconnect_failed");
    expect(a.ref.getSnapshot().value).toBe("inactive");
    expect(h.state().context.activeNamespaces).toEqual([]);
  });

  it("reconnection: false while waiting makes the waiting namespaces inactive", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.fail();
    h.actor.send({ type: "api.configure", settings: { reconnection: false } });
    expect(a.ref.getSnapshot().value).toBe("inactive");
    expect(h.state().value).toBe("closed");
  });

  it("api.close while open disconnects the connected namespaces (reason forced close); they stay active, waiting for a reopen", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.open();
    h.transport.current().send({ type: "transport.packet", packet: connectPacket("/a") });
    h.actor.send({ type: "api.close" });
    expect(h.state().value).toBe("closed");
    expect(a.ref.getSnapshot().hasTag("connected")).toBe(false);
    expect(a.ref.getSnapshot().matches({ active: "awaitingConnection" })).toBe(true);
    expect(a.events).toEqual([{ type: "inactive" }, { type: "connect" }, { type: "disconnect", reason: "forced close", description: undefined }]);
    expect(h.timeline).toEqual(["/a:inactive", "manager:open", "/a:connect", "manager:close", "/a:disconnect"]);
    expect(h.state().context.activeNamespaces).toEqual(["/a"]);
  });

  it("after api.close then api.open, a namespace that was connected handshakes again on the new connection", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.open();
    h.transport.current().send({ type: "transport.packet", packet: connectPacket("/a", "old") });
    h.actor.send({ type: "api.close" });
    h.actor.send({ type: "api.open" });
    h.open();
    // like the official client, whose Sockets stay active across manager close/open
    expect(h.transport.current().received.map((command) => command.packet)).toEqual([
      { type: PacketType.CONNECT, nsp: "/a", data: undefined },
    ]);
    expect(a.ref.getSnapshot().context.id).not.toBe("old");
  });
});

describe("creating: until the engine exists, a reconnect_attempt listener can still stop the attempt", () => {
  /** A connection whose first attempt failed, with the namespace /a waiting for the reconnection; engines are created by the test. */
  function reconnecting() {
    const h = start({ createAtStart: false });
    const a = h.createNamespace("/a");
    a.connect();
    h.created();
    h.fail();
    return { h, a };
  }

  it("enters engine.creating with the transport started and no backoff child; transport.created moves it to opening", () => {
    const { h, a } = reconnecting();
    h.clock.increment(1000);
    expect(h.state().matches({ active: { engine: "creating" } })).toBe(true);
    expect(childIds(h)).toEqual(["/a", "transport"]);
    expect(h.types()).toEqual(["error", "reconnect_attempt"]);
    expect(h.state().context.attempt).toBe(1);
    h.created();
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
    expect(h.transport.live()).toHaveLength(1);
    expect(a.ref.getSnapshot().matches({ active: "awaitingConnection" })).toBe(true);
  });

  it.each<[string, (h: ConnectionHarness, a: ReturnType<ConnectionHarness["createNamespace"]>) => void]>([
    ["api.close", (h) => h.actor.send({ type: "api.close" })],
    ["the last namespace leaving", (_, a) => a.disconnect()],
    ["api.configure with reconnection false", (h) => h.actor.send({ type: "api.configure", settings: { reconnection: false } })],
  ])("%s, sent by a reconnect_attempt listener, closes before the engine is created, without close", (name, act) => {
    const { h, a } = reconnecting();
    h.actor.on("reconnect_attempt", () => act(h, a));
    h.clock.increment(1000);
    h.clock.increment(1e6);
    expect(h.state().value).toBe("closed");
    // the attempt's transport was started, and stopped before it created an engine
    expect(h.transport.runs).toHaveLength(2);
    expect(h.transport.live()).toHaveLength(0);
    expect(childIds(h)).toEqual(["/a"]);
    expect(h.types()).toEqual(["error", "reconnect_attempt"]);
    expect(h.state().context.attempt).toBe(0);
    // the Socket stopped trying: by itself (disconnect), or told by the Manager
    if (name !== "api.close") expect(a.types()).toEqual(["inactive", "connect_error", "inactive"]);
    if (name.startsWith("api.configure")) expect(h.noticesTo("/a").at(-1)).toEqual({ type: "connection.abandoned" });
  });

  it("api.configure{reconnection: false} while creating the first engine (not a reconnection) keeps the attempt", () => {
    const h = start({ createAtStart: false });
    h.actor.send({ type: "api.configure", settings: { reconnection: false } });
    expect(h.state().matches({ active: { engine: "creating" } })).toBe(true);
    h.created();
    h.open();
    expect(h.types()).toEqual(["open"]);
  });

  it("api.configure{reconnection: true} while creating keeps the attempt and applies the settings", () => {
    const { h } = reconnecting();
    h.clock.increment(1000);
    h.actor.send({ type: "api.configure", settings: { reconnection: true, reconnectionDelay: 50 } });
    expect(h.state().matches({ active: { engine: "creating" } })).toBe(true);
    expect(h.state().context.settings.reconnectionDelay).toBe(50);
    expect(h.transport.live()).toHaveLength(1);
  });

  it("ignores api.open while creating: the attempt is counted once and one transport runs", () => {
    const { h } = reconnecting();
    h.clock.increment(1000);
    h.actor.send({ type: "api.open" });
    expect(h.state().matches({ active: { engine: "creating" } })).toBe(true);
    expect(h.state().context.attempt).toBe(1);
    expect(h.transport.runs).toHaveLength(2);
    expect(h.transport.live()).toHaveLength(1);
    expect(h.types()).toEqual(["error", "reconnect_attempt"]);
  });

  it("remembers a namespace that activates while creating and greets it once the attempt opens", () => {
    const h = start({ createAtStart: false });
    h.created();
    h.fail();
    h.clock.increment(1000);
    const b = h.createNamespace("/b");
    b.connect();
    expect(h.state().context.activeNamespaces).toEqual(["/b"]);
    h.created();
    h.open();
    expect(b.ref.getSnapshot().matches({ active: "handshaking" })).toBe(true);
    expect(sentPackets(h)).toEqual([{ type: PacketType.CONNECT, nsp: "/b", data: undefined }]);
  });
});

describe("api.open while waiting", () => {
  it("starts the next attempt now: reconnect_attempt(attempt + 1) at once, the backoff stopped, a single transport", () => {
    const h = start();
    h.fail();
    h.clock.increment(300);
    expect(childIds(h)).toEqual(["backoff"]);
    const backoff = h.state().children.backoff!;
    h.actor.send({ type: "api.open" });
    expect(h.emitted.at(-1)).toEqual({ type: "reconnect_attempt", attempt: 1 });
    expect(h.times.at(-1)).toBe(300);
    expect(h.state().matches({ active: { engine: "opening" } })).toBe(true);
    expect(backoff.getSnapshot().status).toBe("stopped");
    expect(childIds(h)).toEqual(["transport"]);
    expect(h.transport.runs).toHaveLength(2);
    expect(h.transport.live()).toHaveLength(1);
    // the stopped backoff never fires: no second attempt at 1000 ms
    h.clock.increment(5000);
    expect(h.types()).toEqual(["error", "reconnect_attempt"]);
  });

  it("counts on from the attempt reached: the next wait is the one of the following attempt", () => {
    const h = start();
    h.fail();
    h.actor.send({ type: "api.open" });
    h.fail();
    h.drain();
    // attempt 2 waits 2000 ms
    h.clock.increment(1999);
    expect(h.emitted).toEqual([]);
    h.clock.increment(1);
    expect(h.emitted).toEqual([{ type: "reconnect_attempt", attempt: 2 }]);
    h.fail();
    h.actor.send({ type: "api.open" });
    expect(h.emitted.at(-1)).toEqual({ type: "reconnect_attempt", attempt: 3 });
    h.open();
    expect(h.emitted.slice(-2)).toEqual([{ type: "open" }, { type: "reconnect", attempt: 3 }]);
  });

  it("on the last allowed attempt, an attempt started by api.open that fails ends the loop with reconnect_failed", () => {
    const h = start({ settings: { reconnectionAttempts: 1 } });
    h.fail();
    h.actor.send({ type: "api.open" });
    h.fail();
    expect(h.types()).toEqual(["error", "reconnect_attempt", "error", "reconnect_error", "reconnect_failed"]);
    expect(h.state().value).toBe("closed");
  });
});

describe("canReconnect: reconnection on and an attempt left", () => {
  it("tells the namespaces willRetry until the last allowed attempt, which makes them inactive before the one reconnect_failed", () => {
    const h = start({ settings: { reconnectionAttempts: 2 } });
    const a = h.createNamespace("/a");
    a.connect();
    const namespaceStateAtReconnectFailed: unknown[] = [];
    h.actor.on("reconnect_failed", () => namespaceStateAtReconnectFailed.push(a.ref.getSnapshot().value));
    h.fail("first");
    h.clock.increment(1000);
    h.fail("second");
    expect(a.ref.getSnapshot().matches({ active: "awaitingConnection" })).toBe(true);
    h.clock.increment(2000);
    h.fail("third");
    expect(h.noticesTo("/a").map((notice) => (notice.type === "connection.failed" ? notice.willRetry : notice.type))).toEqual([
      true,
      true,
      false,
    ]);
    expect(a.types()).toEqual(["inactive", "connect_error", "connect_error", "connect_error", "inactive"]);
    expect(h.timeline.slice(-5)).toEqual([
      "manager:error",
      "manager:reconnect_error",
      "/a:connect_error",
      "/a:inactive",
      "manager:reconnect_failed",
    ]);
    expect(namespaceStateAtReconnectFailed).toEqual(["inactive"]);
    h.clock.increment(1e6);
    expect(h.types().filter((type) => type === "reconnect_failed")).toHaveLength(1);
    expect(h.state().value).toBe("closed");
    expect(h.state().context.activeNamespaces).toEqual([]);
  });

  it("with reconnectionAttempts 0, a failed first attempt: error, connect_error, inactive, then reconnect_failed", () => {
    const h = start({ settings: { reconnectionAttempts: 0 } });
    const a = h.createNamespace("/a");
    a.connect();
    h.fail();
    expect(h.noticesTo("/a")).toEqual([{ type: "connection.failed", error: new Error("xhr poll error"), willRetry: false }]);
    expect(h.timeline).toEqual(["/a:inactive", "manager:error", "/a:connect_error", "/a:inactive", "manager:reconnect_failed"]);
    expect(h.state().value).toBe("closed");
    expect(childIds(h)).toEqual(["/a"]);
  });

  it("with reconnectionAttempts 0, a lost connection: close, the namespaces told willReconnect false, reconnect_failed, closed", () => {
    const h = start({ settings: { reconnectionAttempts: 0 } });
    const a = h.createNamespace("/a");
    a.connect();
    h.open();
    h.transport.current().send({ type: "transport.packet", packet: connectPacket("/a") });
    const namespaceStateAtReconnectFailed: unknown[] = [];
    h.actor.on("reconnect_failed", () => namespaceStateAtReconnectFailed.push(a.ref.getSnapshot().value));
    h.lose("transport close");
    expect(h.noticesTo("/a").at(-1)).toEqual({
      type: "connection.closed",
      reason: "transport close",
      description: undefined,
      willReconnect: false,
    });
    expect(h.timeline.slice(3)).toEqual(["manager:close", "/a:disconnect", "/a:inactive", "manager:reconnect_failed"]);
    expect(namespaceStateAtReconnectFailed).toEqual(["inactive"]);
    expect(h.state().value).toBe("closed");
    expect(childIds(h)).toEqual(["/a"]);
    h.clock.increment(1e6);
    expect(h.transport.runs).toHaveLength(1);
    expect(h.types()).toEqual(["open", "close", "reconnect_failed"]);
  });

  it("reconnectionAttempts lowered to 0 while open makes the next loss final, with reconnect_failed", () => {
    const h = start();
    h.open();
    h.actor.send({ type: "api.configure", settings: { reconnectionAttempts: 0 } });
    h.lose();
    expect(h.types()).toEqual(["open", "close", "reconnect_failed"]);
    expect(h.state().value).toBe("closed");
  });

  it("tells willReconnect true on a lost connection while attempts are left, and the namespace waits", () => {
    const h = start({ settings: { reconnectionAttempts: 1 } });
    const a = h.createNamespace("/a");
    a.connect();
    h.open();
    h.lose();
    expect(h.noticesTo("/a").at(-1)).toMatchObject({ type: "connection.closed", willReconnect: true });
    expect(a.ref.getSnapshot().matches({ active: "awaitingConnection" })).toBe(true);
    expect(h.state().matches({ active: "waiting" })).toBe(true);
  });

  it("without reconnection, tells willRetry / willReconnect false and never emits reconnect_failed", () => {
    const failed = start({ settings: { reconnection: false } });
    const a = failed.createNamespace("/a");
    a.connect();
    failed.fail();
    expect(failed.noticesTo("/a")).toEqual([{ type: "connection.failed", error: new Error("xhr poll error"), willRetry: false }]);
    expect(failed.types()).toEqual(["error"]);

    const lost = start({ settings: { reconnection: false } });
    const b = lost.createNamespace("/b");
    b.connect();
    lost.open();
    lost.lose();
    expect(lost.noticesTo("/b").at(-1)).toMatchObject({ type: "connection.closed", willReconnect: false });
    expect(lost.types()).toEqual(["open", "close"]);
    expect(b.ref.getSnapshot().value).toBe("inactive");
  });

  it("with reconnectionAttempts lowered during the wait, the due attempt is still made, then the loop gives up", () => {
    // the backoff only waits: whether an attempt is left was decided before it, with the settings of then
    const h = start({ settings: { reconnectionAttempts: 2 } });
    const a = h.createNamespace("/a");
    a.connect();
    h.fail();
    expect(h.state().matches({ active: "waiting" })).toBe(true);
    h.actor.send({ type: "api.configure", settings: { reconnectionAttempts: 1 } });
    h.clock.increment(1000);
    expect(h.state().matches({ active: "engine" })).toBe(true);
    expect(h.state().context.attempt).toBe(1);
    h.fail();
    expect(h.state().value).toBe("closed");
    expect(h.types().filter((type) => type.startsWith("reconnect"))).toEqual(["reconnect_attempt", "reconnect_error", "reconnect_failed"]);
    expect(childIds(h)).toEqual(["/a"]);
  });
});

describe("api.close from connecting tells the active namespaces (forced close, willReconnect)", () => {
  it("from opening: an active namespace is told, stays active silently, and handshakes when the Manager reopens", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.actor.send({ type: "api.close" });
    expect(h.noticesTo("/a")).toEqual([{ type: "connection.closed", reason: "forced close", willReconnect: true }]);
    expect(a.ref.getSnapshot().matches({ active: "awaitingConnection" })).toBe(true);
    expect(a.types()).toEqual(["inactive"]);
    expect(h.state().context.activeNamespaces).toEqual(["/a"]);
    h.actor.send({ type: "api.open" });
    h.open();
    expect(sentPackets(h)).toEqual([{ type: PacketType.CONNECT, nsp: "/a", data: undefined }]);
  });

  it("from open: a namespace still waiting for the server's answer is told too, and is not left handshaking", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.open();
    expect(a.ref.getSnapshot().matches({ active: { handshaking: "awaitingServer" } })).toBe(true);
    h.actor.send({ type: "api.close" });
    expect(h.noticesTo("/a").at(-1)).toEqual({ type: "connection.closed", reason: "forced close", willReconnect: true });
    expect(a.ref.getSnapshot().matches({ active: "awaitingConnection" })).toBe(true);
    expect(a.types()).toEqual(["inactive"]);
  });

  it("tells only the active namespaces, and nothing when closing from waiting or before the engine exists", () => {
    const h = start({ createAtStart: false });
    const a = h.createNamespace("/a");
    h.createNamespace("/idle");
    a.connect();
    h.created();
    h.actor.send({ type: "api.close" });
    expect(h.noticesTo("/idle")).toEqual([]);
    expect(h.noticesTo("/a")).toHaveLength(1);
    h.actor.send({ type: "api.open" });
    h.created();
    h.fail();
    h.actor.send({ type: "api.close" });
    h.actor.send({ type: "api.open" });
    h.created();
    h.fail();
    h.clock.increment(1000);
    expect(h.state().matches({ active: { engine: "creating" } })).toBe(true);
    h.actor.send({ type: "api.close" });
    expect(h.noticesTo("/a").map((notice) => notice.type)).toEqual(["connection.closed", "connection.failed", "connection.failed"]);
  });
});

describe("namespace actors are children named by their namespace, held in `namespaces`", () => {
  it("creates each namespace actor as a child of the connection actor, with the namespace as id, outside the snapshot's children", () => {
    const h = start({ autoConnect: false });
    const admin = h.createNamespace("/admin");
    const root = h.createNamespace("/");
    expect(h.state().context.namespaces.get("/admin")).toBe(admin.ref);
    expect(h.state().context.namespaces.get("/")).toBe(root.ref);
    expect(admin.ref.id).toBe("/admin");
    expect((admin.ref as unknown as { _parent?: unknown })._parent).toBe(h.actor);
    expect(admin.ref.system).toBe(h.actor.system);
    expect(admin.ref.getSnapshot().context.nsp).toBe("/admin");
    // XState copies the children map at every spawn: N namespaces would cost O(N²)
    expect(Object.keys(h.state().children)).toEqual([]);
  });

  it("creates them without XState's warning about assign() called in a custom action (their initial context is an assign)", () => {
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => void warnings.push(args[0]);
    try {
      const h = start({ autoConnect: false });
      const a = h.createNamespace("/a");
      h.createNamespace("/b");
      expect(a.ref.getSnapshot().status).toBe("active");
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([]);
  });

  it("keeps them across transports, backoffs and close/open", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.fail();
    h.clock.increment(1000);
    h.actor.send({ type: "api.close" });
    h.actor.send({ type: "api.open" });
    h.open();
    expect(h.state().context.namespaces.get("/a")).toBe(a.ref);
    expect(childIds(h)).toEqual(["/a", "transport"]);
  });

  it("api.dispose stops them (they are not among the children XState stops with the actor)", () => {
    const h = start();
    const a = h.createNamespace("/a");
    a.connect();
    h.actor.send({ type: "api.dispose" });
    expect(a.ref.getSnapshot().status).toBe("stopped");
    expect(h.state().context.namespaces.size).toBe(0);
  });
});
