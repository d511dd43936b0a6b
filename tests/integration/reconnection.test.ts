// The reconnection loop against a real server, through a TCP proxy, and the
// official client's known weak spots there:
// - connect()/open() while reconnecting (socket.io-client #836, #1179)
// - socket.disconnect() during the backoff wait (#737)
// - manager.reconnection(false) while waiting
// - exceptions escaping from transport failures (#1237, #1175)
import net from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Manager, Socket } from "../../src/index.js";
import { closedPort, startEchoServer, startProxy, startServer, startSilentServer, type EchoServer, type Proxy } from "../support/servers.js";
import { clients, record, sleep, until, waitFor } from "../support/util.js";
import {
  childrenOf,
  countEngineConnections,
  currentBackoffDelay,
  recordSequence,
  startTcpCounter,
  watchTimers,
} from "./harness.js";
import { trapUncaught } from "./socket-helpers.js";

const SEQUENCE = ["open", "close", "reconnect_attempt", "reconnect_error", "reconnect", "reconnect_failed"] as const;
/** One TCP connection per attempt: the counts below are connections. */
const oneConnectionPerAttempt = { transports: ["websocket"] };

let server: EchoServer;
let engines: { count: number };
let proxy: Proxy;
let counter: Awaited<ReturnType<typeof startTcpCounter>>;
const c = clients();
beforeAll(async () => {
  server = await startEchoServer();
  engines = countEngineConnections(server);
});
// client -> counter (counts every TCP connection, refused ones too) -> proxy (faults) -> server
beforeEach(async () => {
  proxy = await startProxy(server.port);
  counter = await startTcpCounter(proxy.port);
});
afterEach(async () => {
  expect(c.cleanup()).toEqual([]);
  await counter.close();
  await proxy.close();
});
afterAll(() => server.close());

/** Connects a Socket through the proxy and waits for `connect`. */
async function connected(opts: object): Promise<Socket> {
  const socket = c.io(counter.url, { ...oneConnectionPerAttempt, ...opts });
  await waitFor(socket, "connect");
  return socket;
}

/** Takes the server away and cuts the connection: the Manager starts reconnecting, and every attempt is refused. */
function loseServer() {
  proxy.refuse();
  proxy.cut();
}

function expectStopped(socket: Socket) {
  const manager = socket.io as Manager;
  expect(manager.actor.getSnapshot().matches("closed")).toBe(true);
  expect(childrenOf(manager).filter((id) => id === "transport" || id === "backoff")).toEqual([]);
  expect(socket.active).toBe(false);
}

describe("the reconnection loop", () => {
  it("emits close, then reconnect_attempt n / reconnect_error per refused attempt, then reconnect(n) and connect", async () => {
    const socket = await connected({ reconnectionDelay: 10, reconnectionDelayMax: 10, randomizationFactor: 0 });
    const events = recordSequence(socket.io, SEQUENCE);
    recordSequence(socket, ["connect", "disconnect"], events);
    socket.io.on("reconnect_error", () => {
      if (events.filter(([name]) => name === "reconnect_error").length === 2) proxy.refuse(false);
    });
    loseServer();
    await waitFor(socket, "connect");
    const names = events.map(([name, arg]) => (typeof arg === "number" || name === "close" || name === "disconnect" ? `${name} ${arg}` : name));
    expect(names).toEqual([
      "close transport close",
      "disconnect transport close",
      "reconnect_attempt 1",
      "reconnect_error",
      "reconnect_attempt 2",
      "reconnect_error",
      "reconnect_attempt 3",
      "open",
      "reconnect 3",
      "connect",
    ]);
    expect(await socket.emitWithAck("echo", "back")).toBe("back");
  });

  it("starts again from attempt 1 after a successful reconnection", async () => {
    const socket = await connected({ reconnectionDelay: 10, reconnectionDelayMax: 10, randomizationFactor: 0 });
    const attempts = record<[number]>(socket.io, "reconnect_attempt");
    const reconnects = record<[number]>(socket.io, "reconnect");
    socket.io.once("reconnect_error", () => proxy.refuse(false));
    loseServer();
    await waitFor(socket, "connect");
    proxy.cut();
    await waitFor(socket, "connect");
    expect(attempts.map(([n]) => n)).toEqual([1, 2, 1]);
    expect(reconnects.map(([n]) => n)).toEqual([2, 1]);
  });
});

describe("connect()/open() while reconnecting (socket.io-client #836, #1179)", () => {
  it("neither breaks the loop nor opens a second engine, whenever they are called", async () => {
    const socket = await connected({ reconnectionDelay: 30, reconnectionDelayMax: 30, randomizationFactor: 0 });
    const manager = socket.io;
    const enginesBefore = engines.count;
    const tcpBefore = counter.accepted;
    const attempts = record<[number]>(manager, "reconnect_attempt");
    const reconnects = record<[number]>(manager, "reconnect");
    const openCallbacks: unknown[][] = [];
    const pokeEverything = () => {
      manager.open();
      manager.connect();
      socket.connect();
      socket.open();
    };
    manager.on("close", pokeEverything); // right after the loss
    manager.on("reconnect_attempt", pokeEverything); // while an attempt is in flight
    manager.on("reconnect_error", () => {
      // read first: an open() in here starts the next attempt before it returns
      if (attempts.length === 3) {
        manager.open((...args) => openCallbacks.push(args));
        proxy.refuse(false);
      }
      pokeEverything(); // while the backoff waits
    });
    loseServer();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "once")).toBe("once");
    manager.off("close", pokeEverything);
    // a stray second engine would have opened its TCP connection by now: it is counted once settle() returns
    await counter.settle();

    expect(attempts.map(([n]) => n)).toEqual([1, 2, 3, 4]);
    expect(reconnects.map(([n]) => n)).toEqual([4]);
    expect(engines.count - enginesBefore).toBe(1);
    expect(counter.accepted - tcpBefore).toBe(4);
    expect(counter.connections).toBe(1);
    expect(childrenOf(manager).filter((id) => id === "backoff")).toEqual([]);
    expect(server.io.of("/").sockets.size).toBe(1);
    expect(openCallbacks).toEqual([[]]);
  });

  it("socket.connect() on a Socket that was disconnected while another keeps the Manager reconnecting joins the loop", async () => {
    const main = await connected({ reconnectionDelay: 20, reconnectionDelayMax: 20, randomizationFactor: 0 });
    const manager = main.io;
    const users = c.socket(manager, "/users");
    await waitFor(users, "connect");
    users.disconnect();
    const enginesBefore = engines.count;
    manager.once("reconnect_error", () => {
      users.connect();
      proxy.refuse(false);
    });
    const tcpBefore = counter.accepted;
    loseServer();
    await Promise.all([waitFor(main, "connect"), waitFor(users, "connect")]);
    await counter.settle();
    // the refused attempt and the one that went through, which both Sockets share
    expect(counter.accepted - tcpBefore).toBe(2);
    expect(counter.connections).toBe(1);
    expect(engines.count - enginesBefore).toBe(1);
    expect(server.serverSocket(main.id, "/").conn).toBe(server.serverSocket(users.id, "/users").conn);
  });
});

describe("socket.disconnect() stops the reconnection loop at any point (socket.io-client #737)", () => {
  const delay = 60;
  const settings = { reconnectionDelay: delay, reconnectionDelayMax: delay, randomizationFactor: 0 };

  /**
   * Asserts that no attempt can come any more: the Manager is closed, with no
   * transport, no backoff and no timer armed, and no TCP connection was opened
   * since `tcpBefore` (the counter settled: one opened meanwhile is counted).
   */
  async function expectNoMoreAttempts(socket: Socket, timers: { pending: number }, tcpBefore: number) {
    expectStopped(socket);
    expect(timers.pending).toBe(0);
    await counter.settle();
    expect(counter.accepted).toBe(tcpBefore);
    expect(counter.connections).toBe(0);
  }

  it("while waiting for the backoff delay", async () => {
    const socket = await connected(settings);
    const timers = watchTimers(socket.io);
    const attempts = record(socket.io, "reconnect_attempt");
    const closed = waitFor(socket.io, "close");
    const tcpBefore = counter.accepted;
    loseServer();
    await closed;
    expect(currentBackoffDelay(socket.io)).toBe(delay);
    expect(timers.pending).toBe(1);
    socket.disconnect();
    await expectNoMoreAttempts(socket, timers, tcpBefore);
    expect(attempts).toEqual([]);
  });

  it("while waiting for the backoff delay after a failed attempt", async () => {
    const socket = await connected(settings);
    const timers = watchTimers(socket.io);
    const attempts = record(socket.io, "reconnect_attempt");
    const tcpBefore = counter.accepted;
    loseServer();
    await waitFor(socket.io, "reconnect_error");
    await until(() => currentBackoffDelay(socket.io) !== undefined, "the backoff wait");
    expect(timers.pending).toBe(1);
    socket.disconnect();
    // the refused attempt's connection
    await expectNoMoreAttempts(socket, timers, tcpBefore + 1);
    expect(attempts.map(([n]) => n)).toEqual([1]);
  });

  it("from a reconnect_attempt listener (the attempt is not made)", async () => {
    const socket = await connected(settings);
    const timers = watchTimers(socket.io);
    const attempts = record(socket.io, "reconnect_attempt");
    const errors = record(socket.io, "reconnect_error");
    let tcpAtDisconnect = -1;
    socket.io.once("reconnect_attempt", () => {
      tcpAtDisconnect = counter.accepted;
      socket.disconnect();
    });
    loseServer();
    await waitFor(socket.io, "reconnect_attempt");
    // like the official client ("check again for the case socket closed in above events"): no connection is opened
    await expectNoMoreAttempts(socket, timers, tcpAtDisconnect);
    expect(attempts.map(([n]) => n)).toEqual([1]);
    expect(errors).toEqual([]);
  });

  it("from a reconnect_error listener", async () => {
    const socket = await connected(settings);
    const timers = watchTimers(socket.io);
    const attempts = record(socket.io, "reconnect_attempt");
    const errors = record(socket.io, "reconnect_error");
    const tcpBefore = counter.accepted;
    socket.io.once("reconnect_error", () => socket.disconnect());
    loseServer();
    await waitFor(socket.io, "reconnect_error");
    await expectNoMoreAttempts(socket, timers, tcpBefore + 1);
    expect(attempts.map(([n]) => n)).toEqual([1]);
    expect(errors).toHaveLength(1);
  });

  it("while an attempt is in flight (the server does not answer): its connection is closed", async () => {
    const socket = await connected({ ...settings, timeout: 10_000 });
    const timers = watchTimers(socket.io);
    const attempts = record(socket.io, "reconnect_attempt");
    const errors = record(socket.io, "reconnect_error");
    const tcpBefore = counter.accepted;
    proxy.stall();
    proxy.cut();
    await waitFor(socket.io, "reconnect_attempt");
    await until(() => counter.accepted === tcpBefore + 1 && counter.connections === 1, "the attempt's TCP connection");
    // the attempt's connection timeout
    expect(timers.pending).toBe(1);
    socket.disconnect();
    await until(() => counter.connections === 0, "the attempt's TCP connection to close");
    await expectNoMoreAttempts(socket, timers, tcpBefore + 1);
    expect(attempts.map(([n]) => n)).toEqual([1]);
    expect(errors).toEqual([]);
  });

  it("and socket.connect() afterwards starts a fresh connection, from attempt 0", async () => {
    const socket = await connected(settings);
    loseServer();
    await waitFor(socket.io, "reconnect_error");
    socket.disconnect();
    proxy.refuse(false);
    const reconnects = record(socket.io, "reconnect");
    const enginesBefore = engines.count;
    socket.connect();
    await waitFor(socket, "connect");
    expect(reconnects).toEqual([]);
    expect(engines.count - enginesBefore).toBe(1);
  });
});

describe("manager.reconnection(false) while reconnecting", () => {
  const delay = 60;
  const settings = { reconnectionDelay: delay, reconnectionDelayMax: delay, randomizationFactor: 0 };

  it("while waiting: ends the loop, and the Socket becomes inactive", async () => {
    const socket = await connected(settings);
    const timers = watchTimers(socket.io);
    const attempts = record(socket.io, "reconnect_attempt");
    const failed = record(socket.io, "reconnect_failed");
    loseServer();
    await waitFor(socket.io, "reconnect_error");
    await until(() => currentBackoffDelay(socket.io) !== undefined, "the backoff wait");
    expect(socket.active).toBe(true);
    const tcpBefore = counter.accepted;
    socket.io.reconnection(false);
    expect(socket.active).toBe(false);
    expectStopped(socket);
    expect(timers.pending).toBe(0);
    await counter.settle();
    expect(counter.accepted).toBe(tcpBefore);
    expect(attempts.map(([n]) => n)).toEqual([1]);
    expect(failed).toEqual([]);
  });

  it("from a reconnect_attempt listener: that attempt is not made (like the official client)", async () => {
    const socket = await connected(settings);
    const timers = watchTimers(socket.io);
    const attempts = record(socket.io, "reconnect_attempt");
    const connectErrors = record(socket, "connect_error");
    const reconnectErrors = record(socket.io, "reconnect_error");
    let tcpAtAttempt = -1;
    socket.io.once("reconnect_attempt", () => {
      tcpAtAttempt = counter.accepted;
      socket.io.reconnection(false);
    });
    loseServer();
    await waitFor(socket.io, "reconnect_attempt");
    expectStopped(socket);
    expect(timers.pending).toBe(0);
    await counter.settle();
    expect(counter.accepted).toBe(tcpAtAttempt);
    expect(attempts.map(([n]) => n)).toEqual([1]);
    expect(reconnectErrors).toHaveLength(0);
    expect(connectErrors).toHaveLength(0);
  });

  it("the Socket can connect again with socket.connect()", async () => {
    const socket = await connected(settings);
    loseServer();
    await waitFor(socket.io, "reconnect_error");
    socket.io.reconnection(false);
    proxy.refuse(false);
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "again")).toBe("again");
  });
});

describe("no exception escapes into the host process from transport failures (socket.io-client #1237, #1175)", () => {
  let trap: ReturnType<typeof trapUncaught>;
  beforeEach(() => {
    trap = trapUncaught();
  });
  afterEach(async () => {
    // errors thrown from timers or promise jobs arrive a little later
    await sleep(50);
    await trap.restore();
    expect(trap.errors).toEqual([]);
  });

  const quick = { reconnectionDelay: 5, reconnectionDelayMax: 5, randomizationFactor: 0, reconnectionAttempts: 3 };

  /**
   * Watches a new Socket's Manager until it gives up; `gaveUp()` waits for
   * reconnect_failed and checks how: `attempts` attempts numbered from 1, as
   * many reconnect_error (Errors), one reconnect_failed, a connect_error per
   * failed attempt (`firstFailed`: the first connection too), and nothing left
   * that could try again.
   */
  function watchGivingUp(socket: Socket, { attempts = 3, firstFailed }: { attempts?: number; firstFailed: boolean }) {
    const timers = watchTimers(socket.io);
    const attempted = record<[number]>(socket.io, "reconnect_attempt");
    const errors = record<[unknown]>(socket.io, "reconnect_error");
    const failed = record(socket.io, "reconnect_failed");
    const connectErrors = record<[unknown]>(socket, "connect_error");
    return async function gaveUp() {
      await waitFor(socket.io, "reconnect_failed");
      expect(attempted.map(([n]) => n)).toEqual(Array.from({ length: attempts }, (_, i) => i + 1));
      expect(errors).toHaveLength(attempts);
      for (const [error] of errors) expect(error).toBeInstanceOf(Error);
      expect(failed).toHaveLength(1);
      expect(connectErrors).toHaveLength(attempts + (firstFailed ? 1 : 0));
      expectStopped(socket);
      expect(timers.pending).toBe(0);
    };
  }

  for (const transports of [["polling"], ["websocket"], ["polling", "websocket"]]) {
    it(`refused connections (${transports.join(", ")})`, async () => {
      const socket = c.io(`http://127.0.0.1:${await closedPort()}`, { ...quick, transports });
      await watchGivingUp(socket, { firstFailed: true })();
    });

    it(`a connection cut, and refused while reconnecting (${transports.join(", ")})`, async () => {
      const socket = c.io(proxy.url, { ...quick, transports });
      await waitFor(socket, "connect");
      const gaveUp = watchGivingUp(socket, { firstFailed: false });
      loseServer();
      await gaveUp();
    });

    it(`a server that accepts TCP and never answers (${transports.join(", ")})`, async () => {
      const silent = await startSilentServer();
      try {
        const socket = c.io(silent.url, { ...quick, transports, timeout: 30 });
        await watchGivingUp(socket, { firstFailed: true })();
      } finally {
        c.disconnectAll();
        await silent.close();
      }
    });

    it(`a server that answers garbage (${transports.join(", ")})`, async () => {
      const open = new Set<net.Socket>();
      const garbage = net.createServer((s) => {
        open.add(s);
        s.on("error", () => {});
        s.on("close", () => open.delete(s));
        s.end("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n\u0000\u00ff{]x!!");
      });
      await new Promise<void>((resolve) => garbage.listen(0, "127.0.0.1", resolve));
      try {
        const socket = c.io(`http://127.0.0.1:${(garbage.address() as net.AddressInfo).port}`, { ...quick, transports });
        await watchGivingUp(socket, { firstFailed: true })();
      } finally {
        c.disconnectAll();
        for (const s of open) s.destroy();
        await new Promise<void>((resolve) => garbage.close(() => resolve()));
      }
    });

    it(`a server killed while connected (${transports.join(", ")})`, async () => {
      const doomed = await startServer();
      const socket = c.io(doomed.url, { ...quick, transports });
      await waitFor(socket, "connect");
      const gaveUp = watchGivingUp(socket, { firstFailed: false });
      await doomed.close();
      await gaveUp();
    });
  }

  it("a TLS handshake with a plain HTTP server (wss:// to http)", async () => {
    const socket = c.io(`wss://127.0.0.1:${server.port}`, quick);
    await watchGivingUp(socket, { firstFailed: true })();
  });

  it("a connection cut while long-polling requests and writes are in flight", async () => {
    const socket = c.io(proxy.url, { ...quick, transports: ["polling"], reconnectionAttempts: 1 });
    await waitFor(socket, "connect");
    const gaveUp = watchGivingUp(socket, { attempts: 1, firstFailed: false });
    for (let i = 0; i < 20; i++) socket.emit("echo", i, () => {});
    proxy.refuse();
    proxy.cut();
    for (let i = 0; i < 20; i++) socket.emit("echo", i, () => {});
    await gaveUp();
  });
});
