// The namespace machine (a Socket) as the child of a tiny parent: every state,
// every transition, what it emits, and what it asks its parent to do.
import { PacketType } from "socket.io-parser";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hasSession, keepOffset, setAuth } from "../../machines/credentials.js";
import type { NamespaceEvent } from "../../machines/namespace.machine.js";
import { startNamespace, type NamespaceHarness } from "../namespace-harness.js";

const harnesses: NamespaceHarness[] = [];
function start(...args: Parameters<typeof startNamespace>): NamespaceHarness {
  const h = startNamespace(...args);
  harnesses.push(h);
  // what it reported and emitted while starting is under test in "starts inactive ..." only
  h.reports.splice(0);
  h.events.splice(0);
  return h;
}
afterEach(() => {
  for (const h of harnesses.splice(0)) h.stop();
});

const opened: NamespaceEvent = { type: "connection.opened" };
const serverConnect = (sid: string): NamespaceEvent => ({ type: "server.connect", sid, recovered: false });
const connectPacket = (data?: unknown) => ({ type: PacketType.CONNECT, nsp: "/chat", data });
const disconnectPacket = { type: PacketType.DISCONNECT, nsp: "/chat" };

/** api.connect, the connection opens, the server accepts with `sid`. */
function connect(h: NamespaceHarness, sid = "s1", pid?: string) {
  h.send({ type: "api.connect" });
  h.send(opened);
  h.serverConnect(sid, pid);
}

/** A namespace whose auth function leaves the callbacks to the test. */
function withDeferredAuth() {
  const callbacks: Array<(data: object) => void> = [];
  const auth = vi.fn((callback: (data: object) => void) => {
    callbacks.push(callback);
  });
  return { h: start({ auth }), auth, callbacks };
}

describe("inactive", () => {
  it("starts inactive, not connected, with no id", () => {
    const h = start();
    expect(h.state().value).toBe("inactive");
    expect(h.state().hasTag("connected")).toBe(false);
    expect(h.state().context.id).toBeUndefined();
  });

  it("emits inactive on its initial entry, before anything is sent to it, and tells its parent nothing (no activation to end)", () => {
    const h = startNamespace();
    harnesses.push(h);
    expect(h.events).toEqual([{ type: "inactive" }]);
    expect(h.reports).toEqual([]);
    // a later entry into inactive reports the deactivation
    h.send({ type: "api.connect" });
    h.send({ type: "api.disconnect" });
    expect(h.reports).toEqual([
      { type: "namespace.activated", nsp: "/chat" },
      { type: "namespace.deactivated", nsp: "/chat" },
    ]);
  });

  it("ignores api.disconnect and connection/server events", () => {
    const h = start();
    const ignored: NamespaceEvent[] = [
      { type: "api.disconnect" },
      opened,
      { type: "connection.failed", error: new Error("x"), willRetry: true },
      { type: "connection.error", error: new Error("x") },
      { type: "connection.closed", reason: "transport close", willReconnect: true },
      { type: "connection.abandoned" },
      serverConnect("s1"),
      { type: "server.connectError", error: new Error("no") },
      { type: "server.disconnect" },
    ];
    for (const event of ignored) h.send(event);
    expect(h.state().value).toBe("inactive");
    expect(h.reports).toEqual([]);
    expect(h.events).toEqual([]);
  });

  it("on api.connect, becomes active, awaits the connection and reports namespace.activated once", () => {
    const h = start();
    h.send({ type: "api.connect" });
    expect(h.state().matches({ active: "awaitingConnection" })).toBe(true);
    expect(h.reports).toEqual([{ type: "namespace.activated", nsp: "/chat" }]);
    h.send({ type: "api.connect" });
    expect(h.reports).toHaveLength(1);
  });
});

describe("awaitingConnection", () => {
  it("on connection.opened, handshakes: sends CONNECT with the auth object", () => {
    const h = start({ auth: { token: "abc" } });
    h.send({ type: "api.connect" });
    h.send(opened);
    expect(h.state().matches({ active: { handshaking: "awaitingServer" } })).toBe(true);
    expect(h.packets()).toEqual([connectPacket({ token: "abc" })]);
  });

  it("sends CONNECT without data when there is no auth", () => {
    const h = start();
    h.send({ type: "api.connect" });
    h.send(opened);
    expect(h.packets()).toEqual([connectPacket(undefined)]);
  });

  it("on api.disconnect, becomes inactive without a packet, emitting only inactive", () => {
    const h = start();
    h.send({ type: "api.connect" });
    expect(h.events).toEqual([]);
    h.send({ type: "api.disconnect" });
    expect(h.state().value).toBe("inactive");
    expect(h.activations()).toEqual(["activated", "deactivated"]);
    expect(h.packets()).toEqual([]);
    expect(h.events).toEqual([{ type: "inactive" }]);
  });

  it("on connection.failed with willRetry, emits connect_error and keeps waiting", () => {
    const h = start();
    h.send({ type: "api.connect" });
    const error = new Error("xhr poll error");
    h.send({ type: "connection.failed", error, willRetry: true });
    expect(h.events).toEqual([{ type: "connect_error", error }]);
    expect(h.state().matches({ active: "awaitingConnection" })).toBe(true);
    expect(h.activations()).toEqual(["activated"]);
  });

  it("on connection.failed without willRetry, emits connect_error then inactive, and becomes inactive", () => {
    const h = start();
    h.send({ type: "api.connect" });
    const error = new Error("timeout");
    h.send({ type: "connection.failed", error, willRetry: false });
    expect(h.events).toEqual([{ type: "connect_error", error }, { type: "inactive" }]);
    expect(h.state().value).toBe("inactive");
    expect(h.activations()).toEqual(["activated", "deactivated"]);
  });

  it("on connection.error, emits connect_error and keeps waiting", () => {
    const h = start();
    h.send({ type: "api.connect" });
    const error = new Error("boom");
    h.send({ type: "connection.error", error });
    expect(h.events).toEqual([{ type: "connect_error", error }]);
    expect(h.state().matches({ active: "awaitingConnection" })).toBe(true);
  });

  it("on connection.closed, keeps waiting silently when it will reconnect, and becomes inactive (emitting only inactive) otherwise", () => {
    const h = start();
    h.send({ type: "api.connect" });
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    expect(h.state().matches({ active: "awaitingConnection" })).toBe(true);
    expect(h.events).toEqual([]);
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: false });
    expect(h.state().value).toBe("inactive");
    expect(h.events).toEqual([{ type: "inactive" }]);
    expect(h.activations()).toEqual(["activated", "deactivated"]);
  });

  it("on connection.abandoned, becomes inactive, emitting only inactive", () => {
    const h = start();
    h.send({ type: "api.connect" });
    h.send({ type: "connection.abandoned" });
    expect(h.state().value).toBe("inactive");
    expect(h.activations()).toEqual(["activated", "deactivated"]);
    expect(h.events).toEqual([{ type: "inactive" }]);
  });

  it("ignores server packets before the connection opened", () => {
    const h = start();
    h.send({ type: "api.connect" });
    h.send(serverConnect("s1"));
    h.send({ type: "server.disconnect" });
    expect(h.state().matches({ active: "awaitingConnection" })).toBe(true);
    expect(h.events).toEqual([]);
  });
});

describe("handshaking with an auth function", () => {
  it("calls it with a callback and sends CONNECT with what it calls back with", () => {
    const { h, auth, callbacks } = withDeferredAuth();
    h.send({ type: "api.connect" });
    h.send(opened);
    expect(auth).toHaveBeenCalledTimes(1);
    expect(h.state().matches({ active: "handshaking" })).toBe(true);
    expect(h.packets()).toEqual([]);
    callbacks[0]!({ token: "fresh" });
    expect(h.state().matches({ active: { handshaking: "awaitingServer" } })).toBe(true);
    expect(h.packets()).toEqual([connectPacket({ token: "fresh" })]);
  });

  it("calls it again on every handshake attempt", () => {
    let n = 0;
    const auth = vi.fn((callback: (data: object) => void) => callback({ n: ++n }));
    const h = start({ auth });
    connect(h);
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    h.send(opened);
    expect(auth).toHaveBeenCalledTimes(2);
    expect(h.packets()).toEqual([connectPacket({ n: 1 }), connectPacket({ n: 2 })]);
    // a handshake cut short by the connection counts as an attempt too
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    h.send(opened);
    expect(auth).toHaveBeenCalledTimes(3);
  });

  it("emits connect_error and becomes inactive when it calls back with something other than an object", () => {
    const { h, callbacks } = withDeferredAuth();
    h.send({ type: "api.connect" });
    h.send(opened);
    (callbacks[0] as (data: unknown) => void)("not an object");
    expect(h.state().value).toBe("inactive");
    expect(h.types()).toEqual(["connect_error", "inactive"]);
    expect((h.events[0] as { error: Error }).error).toBeInstanceOf(TypeError);
    expect(h.packets()).toEqual([]);
    expect(h.activations()).toEqual(["activated", "deactivated"]);
  });

  it("emits connect_error with the thrown error and becomes inactive when it throws", () => {
    const thrown = new Error("no token");
    const h = start({
      auth: () => {
        throw thrown;
      },
    });
    h.send({ type: "api.connect" });
    h.send(opened);
    expect(h.state().value).toBe("inactive");
    expect(h.events).toEqual([{ type: "connect_error", error: thrown }, { type: "inactive" }]);
    expect(h.packets()).toEqual([]);
    expect(h.activations()).toEqual(["activated", "deactivated"]);
  });

  it("ignores a callback that comes after the attempt ended", () => {
    const { h, callbacks } = withDeferredAuth();
    h.send({ type: "api.connect" });
    h.send(opened);
    h.send({ type: "api.disconnect" });
    callbacks[0]!({ token: "late" });
    expect(h.state().value).toBe("inactive");
    expect(h.packets()).toEqual([]);
    expect(h.events).toEqual([{ type: "inactive" }]);
  });

  it("ignores the callback of an earlier attempt once a new one started", () => {
    const { h, callbacks } = withDeferredAuth();
    h.send({ type: "api.connect" });
    h.send(opened);
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    h.send(opened);
    callbacks[0]!({ token: "old" });
    expect(h.packets()).toEqual([]);
    callbacks[1]!({ token: "new" });
    expect(h.packets()).toEqual([connectPacket({ token: "new" })]);
  });

  it("on api.disconnect before CONNECT was sent, sends no DISCONNECT", () => {
    const { h } = withDeferredAuth();
    h.send({ type: "api.connect" });
    h.send(opened);
    h.send({ type: "api.disconnect" });
    expect(h.packets()).toEqual([]);
    expect(h.events).toEqual([{ type: "inactive" }]);
    expect(h.activations()).toEqual(["activated", "deactivated"]);
  });
});

describe("awaitingServer", () => {
  function awaitingServer(input = {}) {
    const h = start(input);
    h.send({ type: "api.connect" });
    h.send(opened);
    return h;
  }

  it("on server.connect with a sid, becomes connected with that id and emits connect", () => {
    const h = awaitingServer();
    h.send(serverConnect("abc"));
    expect(h.state().matches({ active: "connected" })).toBe(true);
    expect(h.state().hasTag("connected")).toBe(true);
    expect(h.state().context.id).toBe("abc");
    expect(h.state().context.recovered).toBe(false);
    expect(h.events).toEqual([{ type: "connect" }]);
  });

  it("on server.connect without a sid (a v2 server), emits the protocol mismatch connect_error and becomes inactive", () => {
    const h = awaitingServer();
    h.send({ type: "server.connect", sid: undefined, recovered: false });
    expect(h.state().value).toBe("inactive");
    expect(h.types()).toEqual(["connect_error", "inactive"]);
    expect((h.events[0] as { error: Error }).error.message).toMatch(/v2\.x with a v3\.x client/);
    expect(h.state().context.id).toBeUndefined();
  });

  it("on server.connectError, emits it as connect_error (with its data) and becomes inactive", () => {
    const h = awaitingServer();
    const error = Object.assign(new Error("not authorized"), { data: { reason: "expired" } });
    h.send({ type: "server.connectError", error });
    expect(h.events).toEqual([{ type: "connect_error", error }, { type: "inactive" }]);
    expect((h.events[0] as { error: { data: unknown } }).error.data).toEqual({ reason: "expired" });
    expect(h.state().value).toBe("inactive");
    expect(h.activations()).toEqual(["activated", "deactivated"]);
  });

  it("on api.disconnect, sends DISCONNECT (the server may have accepted already) and becomes inactive, emitting only inactive", () => {
    const h = awaitingServer();
    h.send({ type: "api.disconnect" });
    expect(h.packets()).toEqual([connectPacket(undefined), disconnectPacket]);
    expect(h.events).toEqual([{ type: "inactive" }]);
    expect(h.state().value).toBe("inactive");
    // the DISCONNECT leaves before the parent hears that the namespace left (and may close the connection)
    expect(h.reports.map((report) => report.type)).toEqual([
      "namespace.activated",
      "namespace.send",
      "namespace.send",
      "namespace.deactivated",
    ]);
  });

  it("on connection.closed with willReconnect, awaits the connection again and handshakes anew", () => {
    const h = awaitingServer({ auth: { a: 1 } });
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    expect(h.state().matches({ active: "awaitingConnection" })).toBe(true);
    expect(h.events).toEqual([]);
    h.send(opened);
    expect(h.packets()).toEqual([connectPacket({ a: 1 }), connectPacket({ a: 1 })]);
  });

  it("on connection.closed without willReconnect, becomes inactive, emitting only inactive", () => {
    const h = awaitingServer();
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: false });
    expect(h.state().value).toBe("inactive");
    expect(h.events).toEqual([{ type: "inactive" }]);
    expect(h.packets()).toEqual([connectPacket(undefined)]);
  });

  it("on connection.error, emits connect_error and keeps waiting for the server", () => {
    const h = awaitingServer();
    const error = new Error("write error");
    h.send({ type: "connection.error", error });
    expect(h.events).toEqual([{ type: "connect_error", error }]);
    expect(h.state().matches({ active: { handshaking: "awaitingServer" } })).toBe(true);
  });
});

describe("connected", () => {
  it("on server.disconnect, emits disconnect(io server disconnect), drops its id, becomes inactive, sends nothing", () => {
    const h = start();
    connect(h);
    h.send({ type: "server.disconnect" });
    expect(h.events).toEqual([{ type: "connect" }, { type: "disconnect", reason: "io server disconnect" }, { type: "inactive" }]);
    expect(h.state().value).toBe("inactive");
    expect(h.state().context.id).toBeUndefined();
    expect(h.packets()).toEqual([connectPacket(undefined)]);
    expect(h.activations()).toEqual(["activated", "deactivated"]);
  });

  it("on api.disconnect, sends DISCONNECT, emits disconnect(io client disconnect) and becomes inactive", () => {
    const h = start();
    connect(h);
    h.send({ type: "api.disconnect" });
    expect(h.packets()).toEqual([connectPacket(undefined), disconnectPacket]);
    expect(h.events).toEqual([{ type: "connect" }, { type: "disconnect", reason: "io client disconnect" }, { type: "inactive" }]);
    expect(h.state().value).toBe("inactive");
    expect(h.state().context.id).toBeUndefined();
    expect(h.reports.at(-1)).toEqual({ type: "namespace.deactivated", nsp: "/chat" });
  });

  it("on connection.closed with willReconnect, emits disconnect with the reason and description and awaits the connection", () => {
    const h = start();
    connect(h);
    const description = { description: "socket hang up" };
    h.send({ type: "connection.closed", reason: "transport close", description, willReconnect: true });
    expect(h.events).toEqual([{ type: "connect" }, { type: "disconnect", reason: "transport close", description }]);
    expect(h.state().matches({ active: "awaitingConnection" })).toBe(true);
    expect(h.state().context.id).toBeUndefined();
    expect(h.activations()).toEqual(["activated"]);
    expect(h.packets()).toEqual([connectPacket(undefined)]);
  });

  it("on connection.closed without willReconnect, emits disconnect and becomes inactive", () => {
    const h = start();
    connect(h);
    h.send({ type: "connection.closed", reason: "ping timeout", willReconnect: false });
    expect(h.events).toEqual([
      { type: "connect" },
      { type: "disconnect", reason: "ping timeout", description: undefined },
      { type: "inactive" },
    ]);
    expect(h.state().value).toBe("inactive");
    expect(h.activations()).toEqual(["activated", "deactivated"]);
  });

  it("ignores connection.error (its close follows), connection.opened and a second server.connect", () => {
    const h = start();
    connect(h, "s1");
    h.send({ type: "connection.error", error: new Error("x") });
    h.send(opened);
    h.send(serverConnect("s2"));
    expect(h.state().context.id).toBe("s1");
    expect(h.events).toEqual([{ type: "connect" }]);
    expect(h.packets()).toHaveLength(1);
  });

  it("connects again after api.disconnect then api.connect, with a new id", () => {
    const h = start();
    connect(h, "s1");
    h.send({ type: "api.disconnect" });
    connect(h, "s2");
    expect(h.state().context.id).toBe("s2");
    expect(h.activations()).toEqual(["activated", "deactivated", "activated"]);
    expect(h.types()).toEqual(["connect", "disconnect", "inactive", "connect"]);
  });
});

describe("connection state recovery", () => {
  it("sends pid and offset (then the auth data) in the CONNECT of a reconnection, and is recovered when the server keeps the pid", () => {
    const h = start({ auth: { token: "t" } });
    keepOffset(h.credentials, "o1");
    connect(h, "s1", "p1");
    expect(h.state().context.recovered).toBe(false);
    keepOffset(h.credentials, "o7");
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    h.send(opened);
    expect(h.packets().at(-1)).toEqual(connectPacket({ pid: "p1", offset: "o7", token: "t" }));
    h.serverConnect("s2", "p1");
    expect(h.state().context.recovered).toBe(true);
    expect(h.state().context.id).toBe("s2");
  });

  it("is not recovered when the server answers with another pid, or none", () => {
    const h = start();
    connect(h, "s1", "p1");
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    h.send(opened);
    h.serverConnect("s2", "p2");
    expect(h.state().context.recovered).toBe(false);
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    h.send(opened);
    expect(h.packets().at(-1)).toEqual(connectPacket({ pid: "p2", offset: undefined }));
    h.serverConnect("s3");
    expect(h.state().context.recovered).toBe(false);
    expect(hasSession(h.credentials)).toBe(false);
  });

  it("sends no pid in the first CONNECT", () => {
    const h = start();
    keepOffset(h.credentials, "o1");
    h.send({ type: "api.connect" });
    h.send(opened);
    expect(h.packets()).toEqual([connectPacket(undefined)]);
  });
});

describe("secrets stay out of the machine", () => {
  it("its context, events and reports hold the credentials as a reference that serializes to a label", () => {
    const inspected: unknown[] = [];
    const h = startNamespace({ auth: { token: "s3cr3t" } }, (event) => inspected.push(event));
    harnesses.push(h);
    connect(h, "s1", "p-s3cr3t");
    keepOffset(h.credentials, "offset-s3cr3t");
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    h.send(opened);
    // what the transport writes has them
    expect(h.packets().at(-1)).toEqual(connectPacket({ pid: "p-s3cr3t", offset: "offset-s3cr3t", token: "s3cr3t" }));
    // what an observer gets does not
    const seen = JSON.stringify([inspected, h.state().context]);
    expect(seen).toContain("[credentials]");
    expect(seen).not.toContain("s3cr3t");
    expect(Object.keys(h.credentials)).toEqual(["label"]);
  });
});

describe("socket.auth = ... (setAuth on the credentials)", () => {
  it("changes the payload of the next handshake, in any state, without an event", () => {
    const h = start({ auth: { v: 1 } });
    setAuth(h.credentials, { v: 2 });
    connect(h);
    setAuth(h.credentials, { v: 3 });
    h.send({ type: "connection.closed", reason: "transport close", willReconnect: true });
    h.send(opened);
    expect(h.packets()).toEqual([connectPacket({ v: 2 }), connectPacket({ v: 3 })]);
  });
});

describe("the inactive event (the Socket stopped trying to connect)", () => {
  /** Brings a fresh namespace to a state; returns it with nothing recorded yet. */
  const setups: Record<string, () => NamespaceHarness> = {
    awaitingConnection: () => {
      const h = start();
      h.send({ type: "api.connect" });
      return h;
    },
    authenticating: () => {
      const { h } = withDeferredAuth();
      h.send({ type: "api.connect" });
      h.send(opened);
      return h;
    },
    awaitingServer: () => {
      const h = start();
      h.send({ type: "api.connect" });
      h.send(opened);
      return h;
    },
    connected: () => {
      const h = start();
      connect(h);
      return h;
    },
  };

  it.each<[string, NamespaceEvent, string[]]>([
    ["awaitingConnection", { type: "api.disconnect" }, ["inactive"]],
    ["awaitingConnection", { type: "connection.failed", error: new Error("x"), willRetry: false }, ["connect_error", "inactive"]],
    ["awaitingConnection", { type: "connection.closed", reason: "forced close", willReconnect: false }, ["inactive"]],
    ["awaitingConnection", { type: "connection.abandoned" }, ["inactive"]],
    ["authenticating", { type: "api.disconnect" }, ["inactive"]],
    ["authenticating", { type: "auth.rejected", error: new Error("no") }, ["connect_error", "inactive"]],
    ["awaitingServer", { type: "api.disconnect" }, ["inactive"]],
    ["awaitingServer", { type: "server.connectError", error: new Error("no") }, ["connect_error", "inactive"]],
    ["awaitingServer", { type: "server.connect", sid: undefined, recovered: false }, ["connect_error", "inactive"]],
    ["awaitingServer", { type: "connection.failed", error: new Error("x"), willRetry: false }, ["connect_error", "inactive"]],
    ["connected", { type: "api.disconnect" }, ["disconnect", "inactive"]],
    ["connected", { type: "server.disconnect" }, ["disconnect", "inactive"]],
    ["connected", { type: "connection.closed", reason: "transport close", willReconnect: false }, ["disconnect", "inactive"]],
  ])("from %s, on %o, emits %o: inactive once, last", (state, event, expected) => {
    const h = setups[state]!();
    h.events.splice(0);
    h.send(event);
    expect(h.state().value).toBe("inactive");
    expect(h.types()).toEqual(expected);
  });

  it.each<[string, NamespaceEvent]>([
    ["awaitingConnection", { type: "connection.failed", error: new Error("x"), willRetry: true }],
    ["awaitingConnection", { type: "connection.closed", reason: "forced close", willReconnect: true }],
    ["awaitingServer", { type: "connection.closed", reason: "transport close", willReconnect: true }],
    ["connected", { type: "connection.closed", reason: "transport close", willReconnect: true }],
    ["connected", { type: "connection.error", error: new Error("x") }],
  ])("from %s, does not emit inactive on %o: it keeps trying", (state, event) => {
    const h = setups[state]!();
    h.events.splice(0);
    h.send(event);
    expect(h.state().matches("active")).toBe(true);
    expect(h.types()).not.toContain("inactive");
  });

  it("emits inactive again on every later entry into inactive", () => {
    const h = start();
    connect(h, "s1");
    h.send({ type: "api.disconnect" });
    h.send({ type: "api.connect" });
    h.send({ type: "connection.abandoned" });
    expect(h.types()).toEqual(["connect", "disconnect", "inactive", "inactive"]);
  });
});
