// The Manager against a real server: constructor, events, methods, settings,
// manager.socket() and manager.engine.
import { describe, expect, it } from "vitest";
import { Manager as OfficialManager } from "socket.io-client";
import { Manager } from "../../src/index.js";
import { closedPort, startServer, startSilentServer, type EchoServer } from "../support/servers.js";
import { clients, fast, noTimeout, record, until, waitFor } from "../support/util.js";
import { countEngineConnections, recordBackoffDelays, recordSequence } from "./harness.js";
import { useEchoServer } from "../support/fixtures.js";

const MANAGER_EVENTS = ["open", "error", "close", "reconnect_attempt", "reconnect", "reconnect_error", "reconnect_failed"] as const;

let server: EchoServer;
let engines: { count: number };
const c = clients();
useEchoServer(c, (started) => {
  server = started;
  engines = countEngineConnections(server);
});

/** Closes a Manager opened by open() alone: it closes when its last active Socket leaves. */
function closeManager(manager: Manager) {
  manager.socket("/").connect().disconnect();
  expect(manager.actor.getSnapshot().matches("closed")).toBe(true);
}

describe("constructor", () => {
  it("new Manager(url) opens the connection at once (autoConnect) and emits open", async () => {
    const before = engines.count;
    const manager = c.manager(server.url);
    await waitFor(manager, "open");
    expect(engines.count).toBe(before + 1);
    expect(manager._readyState).toBe("open");
  });

  it("new Manager(opts) without a URL connects to the hostname and port of the options", async () => {
    const manager = new Manager({ hostname: "127.0.0.1", port: String(server.port) });
    const socket = c.socket(manager, "/");
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "no url")).toBe("no url");
  });

  it("keeps the options it was given, with the default path", () => {
    const manager = c.manager(server.url, { autoConnect: false, reconnectionDelay: 123 });
    expect(manager.opts.reconnectionDelay).toBe(123);
    expect(manager.opts.path).toBe("/socket.io");
  });

  it("reads manager.opts on every attempt: a query changed in place goes with the next reconnection", async () => {
    const socket = c.io(server.url, { ...fast, query: { token: "first" } });
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id!).handshake.query.token).toBe("first");
    socket.io.opts.query = { token: "refreshed" };
    socket.emit("close-transport");
    await waitFor(socket, "disconnect");
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id!).handshake.query.token).toBe("refreshed");
  });

  it("throws a TypeError for a URL that is neither a string nor options", () => {
    expect(() => new Manager(42 as unknown as string)).toThrow(TypeError);
    expect(() => new Manager(42 as unknown as string)).toThrow(/URL must be a string/);
  });

  it("throws a TypeError for an option of the wrong type", () => {
    expect(() => new Manager(server.url, { autoConnect: false, reconnectionDelay: "abc" as unknown as number })).toThrow(/reconnectionDelay/);
    expect(() => new Manager(server.url, { autoConnect: false, timeout: "soon" as unknown as number })).toThrow(TypeError);
    expect(() => new Manager(server.url, { autoConnect: false, reconnectionAttempts: -1 })).toThrow(TypeError);
  });
});

describe("events", () => {
  it("emits open once the low-level connection is open", async () => {
    const manager = c.manager(server.url, { autoConnect: false });
    const opens = record(manager, "open");
    const socket = c.socket(manager, "/");
    socket.connect();
    await waitFor(socket, "connect");
    expect(opens).toHaveLength(1);
  });

  it("emits error with an Error when the connection cannot be established", async () => {
    const manager = c.manager(`http://127.0.0.1:${await closedPort()}`, { reconnection: false });
    const [error] = await waitFor<[Error]>(manager, "error");
    expect(error).toBeInstanceOf(Error);
  });

  it('emits close with "forced close" when the last Socket disconnects', async () => {
    const manager = c.manager(server.url);
    const socket = c.socket(manager, "/");
    await waitFor(socket, "connect");
    const closes = record(manager, "close");
    socket.disconnect();
    expect(closes.map(([reason]) => reason)).toEqual(["forced close"]);
  });

  it('emits close with "transport close" when the server closes the connection', async () => {
    const manager = c.manager(server.url, { reconnection: false });
    const socket = c.socket(manager, "/");
    await waitFor(socket, "connect");
    const closed = waitFor<[string]>(manager, "close");
    socket.emit("close-transport");
    expect((await closed)[0]).toBe("transport close");
  });

  it("emits ping for every ping of the server", async () => {
    const pinging = await startServer({ pingInterval: 30, pingTimeout: 1000 });
    const serverPings = { count: 0 };
    pinging.io.on("connection", (s) => s.conn.on("packetCreate", (packet: { type: string }) => packet.type === "ping" && serverPings.count++));
    try {
      const manager = c.manager(pinging.url);
      const socket = c.socket(manager, "/");
      const pings = record(manager, "ping");
      await waitFor(socket, "connect");
      await waitFor(manager, "ping");
      await waitFor(manager, "ping");
      socket.disconnect();
      expect(pings.length).toBeGreaterThanOrEqual(2);
      // every ping seen was sent by the server (none invented)
      expect(pings.length).toBeLessThanOrEqual(serverPings.count);
    } finally {
      c.disconnectAll();
      await pinging.close();
    }
  });

  it("emits packet for every decoded packet: the CONNECT and the server's events", async () => {
    const manager = c.manager(server.url);
    const packets = record<[{ type: number; nsp: string; data?: unknown }]>(manager, "packet");
    const socket = c.socket(manager, "/users");
    await waitFor(socket, "connect");
    const hello = waitFor(socket, "hello");
    server.serverSocket(socket.id, "/users").emit("hello", 1, "two");
    await hello;
    expect(packets.map(([p]) => [p.type, p.nsp])).toEqual([
      [0, "/users"],
      [2, "/users"],
    ]);
    expect(packets[1]![0].data).toEqual(["hello", 1, "two"]);
  });

  it("emits reconnect_attempt 1, 2, 3, reconnect_error and reconnect_failed in the official client's order", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const options = { ...fast, reconnectionAttempts: 3 };

    const ours = c.manager(url, options);
    const oursEvents = recordSequence(ours, MANAGER_EVENTS);
    c.socket(ours, "/");
    await waitFor(ours, "reconnect_failed");

    const theirs = new OfficialManager(url, options);
    const theirsEvents = recordSequence(theirs, MANAGER_EVENTS);
    const theirSocket = theirs.socket("/");
    await waitFor(theirs, "reconnect_failed");
    const theirsUntilFailed = theirsEvents.slice();
    theirSocket.disconnect();

    const names = (events: unknown[][]) => events.map(([name, arg]) => (typeof arg === "number" ? `${name} ${arg}` : name));
    expect(names(oursEvents)).toEqual([
      "error",
      "reconnect_attempt 1",
      "error",
      "reconnect_error",
      "reconnect_attempt 2",
      "error",
      "reconnect_error",
      "reconnect_attempt 3",
      "error",
      "reconnect_error",
      "reconnect_failed",
    ]);
    // the same up to the last attempt; there the official client emits reconnect_failed before that
    // attempt's reconnect_error (it schedules the next step before reporting the error): we report first
    expect(names(oursEvents).slice(0, -2)).toEqual(names(theirsUntilFailed).slice(0, -2));
    expect(names(theirsUntilFailed).slice(-2).sort()).toEqual(["reconnect_error", "reconnect_failed"]);
    for (const [name, arg] of oursEvents) if (name === "error" || name === "reconnect_error") expect(arg).toBeInstanceOf(Error);
  });
});

describe("open() / connect()", () => {
  it("open() without a callback opens a Manager created with autoConnect: false, and returns it", async () => {
    const before = engines.count;
    const manager = c.manager(server.url, { autoConnect: false });
    expect(manager.engine).toBeUndefined();
    const opened = waitFor(manager, "open");
    expect(manager.open()).toBe(manager);
    await opened;
    expect(engines.count).toBe(before + 1);
    closeManager(manager);
  });

  it("connect() is open(): it opens the connection and returns the Manager", async () => {
    const manager = c.manager(server.url, { autoConnect: false });
    const opened = waitFor(manager, "open");
    expect(manager.connect()).toBe(manager);
    await opened;
    closeManager(manager);
  });

  it("open(callback) calls back once without an error when the connection opens", async () => {
    const manager = c.manager(server.url, { autoConnect: false });
    const calls: unknown[][] = [];
    const done = new Promise<void>((resolve) =>
      manager.open((...args) => {
        calls.push(args);
        resolve();
      }),
    );
    await done;
    expect(calls).toEqual([[]]);
    expect(manager._readyState).toBe("open");
    closeManager(manager);
  });

  it("open(callback) calls back with an Error when the connection fails", async () => {
    const manager = c.manager(`http://127.0.0.1:${await closedPort()}`, { autoConnect: false, reconnection: false });
    const [error] = await new Promise<[Error | undefined]>((resolve) => manager.open((err) => resolve([err])));
    expect(error).toBeInstanceOf(Error);
    expect(manager.actor.getSnapshot().matches("closed")).toBe(true);
  });

  it("connect(callback) calls back with an Error on a connect timeout", async () => {
    const silent = await startSilentServer();
    try {
      const manager = c.manager(silent.url, { autoConnect: false, reconnection: false, timeout: 50 });
      const [error] = await new Promise<[Error | undefined]>((resolve) => manager.connect((err) => resolve([err])));
      expect(error?.message).toBe("timeout");
    } finally {
      c.disconnectAll();
      await silent.close();
    }
  });

  it("open(callback) on an open Manager calls back without an error and opens no second connection", async () => {
    const manager = c.manager(server.url);
    await waitFor(manager, "open");
    const before = engines.count;
    const engine = manager.engine;
    const [error] = await new Promise<[Error | undefined]>((resolve) => manager.open((err) => resolve([err])));
    expect(error).toBeUndefined();
    expect(manager.engine).toBe(engine);
    // one round trip on the connection: a second engine would have reached the server by then
    const socket = c.socket(manager, "/");
    await waitFor(socket, "connect");
    expect(engines.count).toBe(before);
  });

  it("open() with something other than a function throws a TypeError", () => {
    const manager = c.manager(server.url, { autoConnect: false });
    expect(() => manager.open("callback" as unknown as () => void)).toThrow(TypeError);
  });

  it("open() reopens a Manager whose connection was closed", async () => {
    const manager = c.manager(server.url);
    const socket = c.socket(manager, "/");
    await waitFor(socket, "connect");
    socket.disconnect();
    expect(manager.actor.getSnapshot().matches("closed")).toBe(true);
    const opened = waitFor(manager, "open");
    manager.open();
    await opened;
    expect(manager._readyState).toBe("open");
    closeManager(manager);
  });
});

describe("settings: getters and setters", () => {
  it("has the official defaults", () => {
    const manager = c.manager(server.url, { autoConnect: false });
    expect(manager.reconnection()).toBe(true);
    expect(manager.reconnectionAttempts()).toBe(Infinity);
    expect(manager.reconnectionDelay()).toBe(1000);
    expect(manager.reconnectionDelayMax()).toBe(5000);
    expect(manager.randomizationFactor()).toBe(0.5);
    expect(manager.timeout()).toBe(20000);
  });

  it("reads the settings from the options, timeout: false included", () => {
    const manager = c.manager(server.url, {
      autoConnect: false,
      reconnection: false,
      reconnectionAttempts: 3,
      reconnectionDelay: 10,
      reconnectionDelayMax: 20,
      randomizationFactor: 0.1,
      timeout: noTimeout,
    });
    expect(manager.reconnection()).toBe(false);
    expect(manager.reconnectionAttempts()).toBe(3);
    expect(manager.reconnectionDelay()).toBe(10);
    expect(manager.reconnectionDelayMax()).toBe(20);
    expect(manager.randomizationFactor()).toBe(0.1);
    expect(manager.timeout()).toBe(false);
  });

  it("setters return the Manager, and the getters then return the new values", () => {
    const manager = c.manager(server.url, { autoConnect: false });
    expect(manager.reconnection(false)).toBe(manager);
    expect(manager.reconnectionAttempts(7)).toBe(manager);
    expect(manager.reconnectionDelay(11)).toBe(manager);
    expect(manager.reconnectionDelayMax(22)).toBe(manager);
    expect(manager.randomizationFactor(0.25)).toBe(manager);
    expect(manager.timeout(33)).toBe(manager);
    expect([
      manager.reconnection(),
      manager.reconnectionAttempts(),
      manager.reconnectionDelay(),
      manager.reconnectionDelayMax(),
      manager.randomizationFactor(),
      manager.timeout(),
    ]).toEqual([false, 7, 11, 22, 0.25, 33]);
    expect(manager.timeout(false).timeout()).toBe(false);
  });

  it("setters throw a TypeError for a value of the wrong type and keep the old value", () => {
    const manager = c.manager(server.url, { autoConnect: false });
    expect(() => manager.reconnectionDelay("abc" as unknown as number)).toThrow(TypeError);
    expect(() => manager.reconnectionDelay("abc" as unknown as number)).toThrow(/reconnectionDelay/);
    expect(() => manager.reconnectionDelayMax(Number.NaN)).toThrow(TypeError);
    expect(() => manager.reconnectionAttempts("3" as unknown as number)).toThrow(TypeError);
    expect(() => manager.randomizationFactor({} as unknown as number)).toThrow(TypeError);
    expect(() => manager.timeout("soon" as unknown as number)).toThrow(TypeError);
    expect(manager.reconnectionDelay()).toBe(1000);
    expect(manager.reconnectionDelayMax()).toBe(5000);
    expect(manager.reconnectionAttempts()).toBe(Infinity);
    expect(manager.randomizationFactor()).toBe(0.5);
    expect(manager.timeout()).toBe(20000);
  });

  it("waits reconnectionDelay x 2^(n-1), capped by reconnectionDelayMax, before attempt n (randomizationFactor 0)", async () => {
    const manager = c.manager(`http://127.0.0.1:${await closedPort()}`, {
      reconnectionDelay: 10,
      reconnectionDelayMax: 35,
      randomizationFactor: 0,
      reconnectionAttempts: 4,
    });
    const delays = recordBackoffDelays(manager);
    await waitFor(manager, "reconnect_failed");
    expect(delays).toEqual([10, 20, 35, 35]);
  });

  it("draws each delay within [1 - f, 1 + f] x the nominal delay, and not always the same", async () => {
    const manager = c.manager(`http://127.0.0.1:${await closedPort()}`, {
      reconnectionDelay: 20,
      reconnectionDelayMax: 20,
      randomizationFactor: 0.5,
      reconnectionAttempts: 8,
    });
    const delays = recordBackoffDelays(manager);
    await waitFor(manager, "reconnect_failed");
    expect(delays).toHaveLength(8);
    for (const delay of delays) {
      expect(delay).toBeGreaterThanOrEqual(10);
      expect(delay).toBeLessThanOrEqual(30);
    }
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it("draws the first delay from the defaults: within [500, 1500] ms", async () => {
    const manager = c.manager(`http://127.0.0.1:${await closedPort()}`);
    const delays = recordBackoffDelays(manager);
    await waitFor(manager, "error");
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    expect(delays[0]).toBeLessThanOrEqual(1500);
  });

  it("applies delay settings changed during the loop to the next attempt", async () => {
    const manager = c.manager(`http://127.0.0.1:${await closedPort()}`, {
      reconnectionDelay: 10,
      reconnectionDelayMax: 1000,
      randomizationFactor: 0,
      reconnectionAttempts: 4,
    });
    const delays = recordBackoffDelays(manager);
    manager.on("reconnect_attempt", (attempt) => {
      if (attempt === 2) manager.reconnectionDelay(5).reconnectionDelayMax(30);
    });
    await waitFor(manager, "reconnect_failed");
    // attempt 3: 5 x 4 = 20; attempt 4: 5 x 8 = 40, capped at 30
    expect(delays).toEqual([10, 20, 20, 30]);
  });

  it("applies reconnectionAttempts changed during the loop: it gives up after the new count", async () => {
    const manager = c.manager(`http://127.0.0.1:${await closedPort()}`, { ...fast });
    const attempts = record<[number]>(manager, "reconnect_attempt");
    manager.on("reconnect_attempt", (attempt) => {
      if (attempt === 1) manager.reconnectionAttempts(2);
    });
    await waitFor(manager, "reconnect_failed");
    expect(attempts.map(([n]) => n)).toEqual([1, 2]);
  });

  it("applies a timeout set before open() to that attempt", async () => {
    const silent = await startSilentServer();
    try {
      const manager = c.manager(silent.url, { autoConnect: false, reconnection: false });
      manager.timeout(40);
      const [error] = await new Promise<[Error | undefined]>((resolve) => manager.open((err) => resolve([err])));
      expect(error?.message).toBe("timeout");
    } finally {
      c.disconnectAll();
      await silent.close();
    }
  });

  it("reconnection(true) set at runtime makes the next lost connection reconnect", async () => {
    const manager = c.manager(server.url, { ...fast, reconnection: false });
    const socket = c.socket(manager, "/");
    await waitFor(socket, "connect");
    manager.reconnection(true);
    const reconnected = waitFor<[number]>(manager, "reconnect");
    socket.emit("close-transport");
    expect((await reconnected)[0]).toBe(1);
    await waitFor(socket, "connect");
  });
});

describe("manager.socket(nsp, opts)", () => {
  it("returns the same Socket for the same namespace", () => {
    const manager = c.manager(server.url, { autoConnect: false });
    const a = c.socket(manager, "/users");
    expect(c.socket(manager, "/users")).toBe(a);
    expect(c.socket(manager, "/admin")).not.toBe(a);
  });

  it("sends `auth` with the namespace handshake", async () => {
    const manager = c.manager(server.url);
    const socket = c.socket(manager, "/admin", { auth: { token: "abc" } });
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id, "/admin").handshake.auth).toEqual({ token: "abc" });
  });

  it("reads ackTimeout: an unanswered emission calls back with an Error", async () => {
    const manager = c.manager(server.url);
    const socket = c.socket(manager, "/", { ackTimeout: 30 });
    await waitFor(socket, "connect");
    const [error] = await new Promise<[Error | null]>((resolve) => socket.emit("never-ack", (err: Error | null) => resolve([err])));
    expect(error).toBeInstanceOf(Error);
  });

  it("reads retries: an unacknowledged emission is sent again, then calls back with an Error", async () => {
    const manager = c.manager(server.url);
    const socket = c.socket(manager, "/users", { retries: 2, ackTimeout: 20 });
    await waitFor(socket, "connect");
    const before = server.received("never-ack").length;
    const [error] = await new Promise<[Error | null]>((resolve) => socket.emit("never-ack", "r", (err: Error | null) => resolve([err])));
    expect(error).toBeInstanceOf(Error);
    // the last re-send may still be on its way to the server when the client gives up
    await until(() => server.received("never-ack").length - before >= 3, "the re-sends at the server");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    // the first send and 2 re-sends
    expect(server.received("never-ack").slice(before)).toEqual([["r"], ["r"], ["r"]]);
  });

  it("ignores Manager options given to socket(): they change nothing on the Manager", () => {
    const manager = c.manager(server.url, { autoConnect: false });
    c.socket(manager, "/", { reconnection: false, timeout: 1, reconnectionDelay: 1 } as object);
    expect(manager.reconnection()).toBe(true);
    expect(manager.timeout()).toBe(20000);
    expect(manager.reconnectionDelay()).toBe(1000);
  });

  it("throws a TypeError for a namespace that does not start with /", () => {
    const manager = c.manager(server.url, { autoConnect: false });
    expect(() => manager.socket("users")).toThrow(TypeError);
  });
});

describe("manager.engine", () => {
  it("is the engine.io connection: polling first, then 'upgrade' to websocket", async () => {
    const manager = c.manager(server.url);
    const socket = c.socket(manager, "/");
    await waitFor(socket, "connect");
    const engine = socket.io.engine;
    expect(engine).toBe(manager.engine);
    if (engine.transport.name !== "websocket") {
      expect(engine.transport.name).toBe("polling");
      await waitFor(engine, "upgrade");
    }
    expect(engine.transport.name).toBe("websocket");
  });

  it("emits 'packetCreate' for each packet sent, 'packet' for each received, and 'drain'", async () => {
    const manager = c.manager(server.url, { transports: ["websocket"] });
    const socket = c.socket(manager, "/");
    await waitFor(socket, "connect");
    const engine = socket.io.engine;
    const created = record<[{ type: string; data?: unknown }]>(engine, "packetCreate");
    const received = record<[{ type: string; data?: unknown }]>(engine, "packet");
    const drained = waitFor(engine, "drain");
    expect(await socket.emitWithAck("echo", "x")).toBe("x");
    await drained;
    expect(created.map(([p]) => p.type)).toContain("message");
    expect(String(created.find(([p]) => p.type === "message")![0].data)).toContain('"echo"');
    expect(received.map(([p]) => p.type)).toContain("message");
  });

  it("emits 'close' with a reason when the connection closes", async () => {
    const manager = c.manager(server.url, { reconnection: false });
    const socket = c.socket(manager, "/");
    await waitFor(socket, "connect");
    const closed = waitFor<[string]>(socket.io.engine, "close");
    socket.emit("close-transport");
    expect((await closed)[0]).toBe("transport close");
  });
});
