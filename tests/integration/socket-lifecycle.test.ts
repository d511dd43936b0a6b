// The Socket's lifecycle against a real socket.io server: connect,
// connect_error, every documented disconnect reason, the lifecycle attributes,
// the auth payload, and connect()/disconnect().
import { describe, expect, it } from "vitest";
import type { Socket as ServerSocket } from "socket.io";
import { Manager } from "../../src/index.js";
import type { ExtendedError } from "../../src/socket.js";
import { closedPort, startServer, type EchoServer } from "../support/servers.js";
import { clients, fast, record, until, waitFor } from "../support/util.js";
import { startScriptedServer, trapUncaught } from "./socket-helpers.js";
import { usePerTestServers } from "../support/fixtures.js";

const c = clients();
const { closers, echoServer, proxyTo } = usePerTestServers(c);

/** The server-side sockets of namespace "/", as they connect. */
function serverConnections(server: EchoServer, nsp = "/"): ServerSocket[] {
  const sockets: ServerSocket[] = [];
  server.io.of(nsp).on("connection", (socket) => sockets.push(socket));
  return sockets;
}

describe("connect event", () => {
  it("fires on connection with connected, active and id already set", async () => {
    const server = await echoServer();
    const socket = c.io(server.url);
    const seen: Array<{ connected: boolean; disconnected: boolean; active: boolean; id: string | undefined }> = [];
    socket.on("connect", () =>
      seen.push({ connected: socket.connected, disconnected: socket.disconnected, active: socket.active, id: socket.id }),
    );
    await waitFor(socket, "connect");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ connected: true, disconnected: false, active: true });
    expect(typeof seen[0]!.id).toBe("string");
    expect(server.serverSocket(seen[0]!.id).id).toBe(seen[0]!.id);
  });

  it("fires again on reconnection, with a new id when the session is not recovered", async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server);
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    const ids: Array<string | undefined> = [];
    socket.on("connect", () => ids.push(socket.id));
    await waitFor(socket, "connect");
    proxy.cut();
    await until(() => ids.length === 2, "the reconnection");
    expect(socket.connected).toBe(true);
    expect(socket.recovered).toBe(false);
    expect(ids[1]).not.toBe(ids[0]);
    expect(server.serverSocket(ids[1]).id).toBe(ids[1]);
  });
});

describe("connect event after a server restart", () => {
  it("the server goes away (\"transport close\", still active) and the socket connects to its replacement on the same port", async () => {
    const first = await startServer();
    const port = first.port;
    const socket = c.io(first.url, { ...fast, transports: ["websocket"] });
    await waitFor(socket, "connect");
    const firstId = socket.id;
    const disconnected = new Promise<[string, boolean]>((resolve) => socket.once("disconnect", (reason) => resolve([reason, socket.active])));
    await first.close();
    expect(await disconnected).toEqual(["transport close", true]);
    const second = await startServer({ port });
    closers.push(() => second.close());
    const seen: string[] = [];
    second.io.on("connection", (serverSide) => seen.push(serverSide.id));
    await waitFor(socket, "connect", 5000);
    expect(seen).toEqual([socket.id]);
    expect(socket.id).not.toBe(firstId);
  });
});

describe("connect_error event", () => {
  it("on a low-level failure, leaves the socket active and is retried", async () => {
    const port = await closedPort();
    const socket = c.io(`http://127.0.0.1:${port}`, fast);
    const errors: Array<{ error: Error; active: boolean }> = [];
    socket.on("connect_error", (error) => errors.push({ error, active: socket.active }));
    const attempts = record(socket.io, "reconnect_attempt");
    await until(() => errors.length >= 3, "three connect_error events");
    for (const { error, active } of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(active).toBe(true);
    }
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(socket.connected).toBe(false);
    expect(socket.id).toBeUndefined();
  });

  const cycle: Record<string, unknown> = { token: "t" };
  cycle.self = cycle;
  it.each<[string, object | ((cb: (data: object) => void) => void), RegExp]>([
    ["an object holding a BigInt", { token: 1n }, /BigInt/],
    ["an object with a cycle", cycle, /circular/i],
    ["a function calling back with a BigInt", (cb) => cb({ token: 2n }), /BigInt/],
  ])("an auth payload that cannot be encoded (%s): connect_error naming it, the socket inactive, nothing uncaught", async (_, auth, cause) => {
    const trap = trapUncaught();
    try {
      const server = await echoServer();
      const socket = c.io(server.url, { ...fast, auth });
      const [error, active] = await new Promise<[Error, boolean]>((resolve) =>
        socket.once("connect_error", (err) => resolve([err, socket.active])),
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/^the CONNECT packet of "\/" cannot be encoded \(check `auth`\): /);
      expect(error.message).toMatch(cause);
      expect(active).toBe(false);
      expect(socket.io.engine.readyState).not.toBe("opening");
      await trap.drain();
      expect(trap.errors).toEqual([]);
      // a payload that can be encoded connects
      socket.auth = { token: "fine" };
      socket.connect();
      await waitFor(socket, "connect");
    } finally {
      await trap.restore();
    }
  });

  it("on a low-level failure with reconnection turned off, the socket is inactive: nothing will retry", async () => {
    const port = await closedPort();
    const socket = c.io(`http://127.0.0.1:${port}`, { ...fast, reconnection: false });
    const seen = await new Promise<[Error, boolean]>((resolve) => socket.once("connect_error", (error) => resolve([error, socket.active])));
    expect(seen[0]).toBeInstanceOf(Error);
    expect(seen[1]).toBe(false);
    expect(socket.active).toBe(false);
  });

  it("when reconnectionAttempts are used up, the last connect_error sees an inactive socket, and reconnect_failed follows", async () => {
    const port = await closedPort();
    const socket = c.io(`http://127.0.0.1:${port}`, { ...fast, reconnectionAttempts: 2 });
    const errors: boolean[] = [];
    socket.on("connect_error", () => errors.push(socket.active));
    await waitFor(socket.io, "reconnect_failed");
    // the first attempt and two reconnection attempts: only the last one is not followed by a retry
    expect(errors).toEqual([true, true, false]);
    expect(socket.active).toBe(false);
  });

  it("after reconnect_failed, socket.connect() starts over and can succeed", async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server);
    proxy.refuse();
    const socket = c.io(proxy.url, { ...fast, reconnectionAttempts: 1 });
    await waitFor(socket.io, "reconnect_failed");
    expect(socket.active).toBe(false);
    proxy.refuse(false);
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "finally")).toBe("finally");
  });

  it("on a middleware denial, carries the message and data, leaves the socket inactive and is not retried", async () => {
    const server = await echoServer();
    let middlewareCalls = 0;
    server.io.use((_socket, next) => {
      middlewareCalls++;
      next(Object.assign(new Error("not authorized"), { data: { code: 401, detail: "bad token" } }));
    });
    const socket = c.io(server.url, fast);
    const errors: Array<{ error: ExtendedError; active: boolean }> = [];
    socket.on("connect_error", (error) => errors.push({ error, active: socket.active }));
    await until(() => errors.length === 1, "connect_error");
    expect(errors[0]!.error).toBeInstanceOf(Error);
    expect(errors[0]!.error.message).toBe("not authorized");
    expect(errors[0]!.error.data).toEqual({ code: 401, detail: "bad token" });
    expect(errors[0]!.active).toBe(false);
    expect(socket.active).toBe(false);
    // not retried: the Manager closes the low-level connection, so no further attempt can reach the server
    await until(() => socket.io.engine.readyState === "closed", "the engine to close");
    expect(middlewareCalls).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it("after a middleware denial, socket.connect() can succeed", async () => {
    const server = await echoServer();
    let calls = 0;
    server.io.use((_socket, next) => (++calls === 1 ? next(new Error("try again")) : next()));
    const socket = c.io(server.url, fast);
    const [error] = await waitFor<[Error]>(socket, "connect_error");
    expect(error.message).toBe("try again");
    expect(socket.active).toBe(false);
    expect(socket.connect()).toBe(socket);
    expect(socket.active).toBe(true);
    await waitFor(socket, "connect");
    expect(socket.connected).toBe(true);
    expect(await socket.emitWithAck("echo", "after denial")).toBe("after denial");
  });
});

describe("patterns from the docs", () => {
  it('reconnecting by hand on "io server disconnect", from the disconnect listener, works', async () => {
    const server = await echoServer();
    const connections = serverConnections(server);
    const socket = c.io(server.url, fast);
    socket.on("disconnect", (reason) => {
      if (reason === "io server disconnect") socket.connect();
    });
    const connects = record(socket, "connect");
    await until(() => connects.length === 1, "the connection");
    socket.emit("disconnect-me");
    await until(() => connects.length === 2, "the reconnection by hand");
    expect(socket.connected).toBe(true);
    expect(connections).toHaveLength(2);
    expect(await socket.emitWithAck("echo", "back")).toBe("back");
  });

  it("after a middleware denial, updating socket.auth in place then socket.connect() sends the new credentials", async () => {
    const server = await echoServer();
    server.io.use((socket, next) => (socket.handshake.auth.token === "good" ? next() : next(new Error("invalid token"))));
    const socket = c.io(server.url, { ...fast, auth: { token: "bad" } });
    socket.on("connect_error", (err) => {
      if (err.message === "invalid token") {
        (socket.auth as { token: string }).token = "good";
        socket.connect();
      }
    });
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id).handshake.auth).toEqual({ token: "good" });
  });

  it("disconnecting from within the connect listener leaves the socket disconnected and the connection closed", async () => {
    const server = await echoServer();
    const connections = serverConnections(server);
    const socket = c.io(server.url, fast);
    const disconnects = record(socket, "disconnect");
    socket.on("connect", () => socket.disconnect());
    await until(() => disconnects.length === 1, "the disconnect");
    expect(disconnects[0]![0]).toBe("io client disconnect");
    expect(socket.active).toBe(false);
    await until(() => socket.io.engine.readyState === "closed", "the engine to close");
    await until(() => connections.every((serverSide) => serverSide.disconnected), "the server to see the socket leave");
  });
});

describe("disconnect event", () => {
  type Seen = { reason: string; details: unknown; active: boolean; connected: boolean; id: string | undefined };
  function recordDisconnects(socket: ReturnType<typeof c.io>): Seen[] {
    const seen: Seen[] = [];
    socket.on("disconnect", (reason, details) =>
      seen.push({ reason, details, active: socket.active, connected: socket.connected, id: socket.id }),
    );
    return seen;
  }

  it('"io server disconnect": the socket is inactive, its id cleared, and it does not reconnect', async () => {
    const server = await echoServer();
    const connections = serverConnections(server);
    const socket = c.io(server.url, fast);
    const seen = recordDisconnects(socket);
    await waitFor(socket, "connect");
    socket.emit("disconnect-me");
    await until(() => seen.length === 1, "disconnect");
    expect(seen[0]).toEqual({ reason: "io server disconnect", details: undefined, active: false, connected: false, id: undefined });
    expect(socket.disconnected).toBe(true);
    // the last socket left: the connection closes, so nothing reconnects
    await until(() => socket.io.engine.readyState === "closed", "the engine to close");
    expect(connections).toHaveLength(1);
    socket.connect();
    await waitFor(socket, "connect");
    expect(connections).toHaveLength(2);
  });

  it('"io client disconnect": the socket is inactive, the server sees "client namespace disconnect"', async () => {
    const server = await echoServer();
    const connections = serverConnections(server);
    const socket = c.io(server.url, fast);
    const seen = recordDisconnects(socket);
    await waitFor(socket, "connect");
    const serverSide = connections[0]!;
    const serverReason = new Promise<string>((resolve) => serverSide.on("disconnect", resolve));
    expect(socket.disconnect()).toBe(socket);
    expect(seen).toEqual([{ reason: "io client disconnect", details: undefined, active: false, connected: false, id: undefined }]);
    expect(await serverReason).toBe("client namespace disconnect");
    await until(() => socket.io.engine.readyState === "closed", "the engine to close");
    expect(connections).toHaveLength(1);
  });

  it('"ping timeout" (the network stalls): the socket stays active and reconnects', async () => {
    // pings every 100 ms, and a second of slack: only the stall makes it time out, not a busy machine
    const server = await echoServer({ pingInterval: 100, pingTimeout: 1000 });
    const proxy = await proxyTo(server);
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    const seen = recordDisconnects(socket);
    await waitFor(socket, "connect");
    proxy.stall();
    await until(() => seen.length === 1, "disconnect", 5000);
    expect(seen[0]).toMatchObject({ reason: "ping timeout", active: true, connected: false, id: undefined });
    proxy.resume();
    proxy.cut(); // the stalled connections are dead: drop them
    await waitFor(socket, "connect", 5000);
    expect(await socket.emitWithAck("echo", "back")).toBe("back");
  });

  it('"transport close" (the server closes the connection): active, with details, and reconnects', async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { ...fast, transports: ["websocket"] });
    const seen = recordDisconnects(socket);
    await waitFor(socket, "connect");
    socket.emit("close-transport");
    await until(() => seen.length === 1, "disconnect");
    expect(seen[0]).toMatchObject({ reason: "transport close", active: true, connected: false, id: undefined });
    expect(seen[0]!.details).toMatchObject({ description: expect.any(String) });
    await waitFor(socket, "connect");
    expect(socket.connected).toBe(true);
  });

  it('"transport close" (the network is cut on websocket): active, and reconnects', async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server);
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    const seen = recordDisconnects(socket);
    await waitFor(socket, "connect");
    proxy.cut();
    await until(() => seen.length === 1, "disconnect");
    expect(seen[0]).toMatchObject({ reason: "transport close", active: true, connected: false });
    expect(seen[0]!.details).toMatchObject({ description: expect.any(String) });
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", 1)).toBe(1);
  });

  it('"transport error" (the network is cut while polling): active, with the error as details, and reconnects', async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server);
    const socket = c.io(proxy.url, { ...fast, transports: ["polling"] });
    const seen = recordDisconnects(socket);
    await waitFor(socket, "connect");
    // cut while a long-polling GET is pending (the server holds it, writable)
    const serverSide = server.serverSocket(socket.id);
    await until(() => serverSide.conn.transport.writable, "a pending long-polling request");
    proxy.cut();
    await until(() => seen.length === 1, "disconnect");
    expect(seen[0]).toMatchObject({ reason: "transport error", active: true, connected: false });
    expect(seen[0]!.details).toBeInstanceOf(Error);
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", 2)).toBe(2);
  });

  describe('"parse error" (the server sends a packet that does not decode)', () => {
    const malformed: Array<[string, Array<string | Buffer>]> = [
      ["an EVENT whose JSON does not parse", ["2["]],
      ["an unknown packet type", ["9"]],
      ["a binary EVENT with fewer attachments than its placeholders reference", ['51-["bin",{"_placeholder":true,"num":3}]', Buffer.from([1, 2])]],
      ["an attachment nobody announced", [Buffer.from([1, 2, 3])]],
    ];
    for (const [what, packets] of malformed) {
      it(`${what}: disconnects with "parse error", stays active and reconnects`, async () => {
        const trap = trapUncaught();
        try {
          const server = await startScriptedServer(async (peer, index) => {
            await peer.accept("/", `sid-${index}`);
            if (index === 0) for (const packet of packets) peer.send(packet);
          });
          closers.push(() => server.close());
          const socket = c.io(server.url, fast);
          const seen = recordDisconnects(socket);
          const ids = record(socket, "connect");
          await until(() => seen.length === 1, "disconnect");
          expect(seen[0]).toMatchObject({ reason: "parse error", active: true, connected: false, id: undefined });
          expect(seen[0]!.details).toBeInstanceOf(Error);
          await until(() => ids.length === 2, "the reconnection");
          expect(socket.id).toBe("sid-1");
          await trap.drain();
          expect(trap.errors).toEqual([]);
        } finally {
          await trap.restore();
        }
      });
    }
  });
});

describe("disconnect() during reconnection", () => {
  it("stops the reconnection: no second disconnect event, the socket is inactive and the Manager closes", async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server);
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    await waitFor(socket, "connect");
    const disconnects = record(socket, "disconnect");
    proxy.refuse();
    proxy.cut();
    await waitFor(socket.io, "reconnect_error");
    socket.disconnect();
    expect(disconnects.map(([reason]) => reason)).toEqual(["transport close"]);
    expect(socket.active).toBe(false);
    // closed, the Manager runs no backoff nor transport (only the namespace actor is left): no attempt can start on its own
    await until(() => socket.io.actor.getSnapshot().matches("closed"), "the Manager to close");
    expect(Object.keys(socket.io.actor.getSnapshot().children)).toEqual([]);
    expect(socket.io.actor.getSnapshot().context.namespaces.get("/")).toBe(socket.actor);
  });
});

describe("events emitted from lifecycle listeners", () => {
  it("an event emitted in the disconnect listener of a lost connection is buffered and sent after reconnection", async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server);
    const socket = c.io(proxy.url, { ...fast, transports: ["websocket"] });
    await waitFor(socket, "connect");
    socket.on("disconnect", (reason) => socket.emit("lost", reason));
    proxy.cut();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received("lost")).toEqual([["transport close"]]);
  });

  it("events buffered before connecting are sent before those emitted in the connect listener", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { autoConnect: false });
    socket.on("connect", () => socket.emit("order", "from connect listener"));
    socket.emit("order", "buffered");
    socket.connect();
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "sync")).toBe("sync");
    expect(server.received("order")).toEqual([["buffered"], ["from connect listener"]]);
  });
});

describe("attributes", () => {
  it("connected, disconnected, active and id follow the socket from creation to disconnection", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { autoConnect: false });
    expect([socket.connected, socket.disconnected, socket.active, socket.id]).toEqual([false, true, false, undefined]);
    socket.connect();
    expect([socket.connected, socket.disconnected, socket.active, socket.id]).toEqual([false, true, true, undefined]);
    await waitFor(socket, "connect");
    expect([socket.connected, socket.disconnected, socket.active]).toEqual([true, false, true]);
    expect(server.serverSocket(socket.id).id).toBe(socket.id);
    socket.disconnect();
    expect([socket.connected, socket.disconnected, socket.active, socket.id]).toEqual([false, true, false, undefined]);
  });

  it("io is the Manager, shared by the sockets of one Manager", async () => {
    const server = await echoServer();
    const manager = c.manager(server.url);
    const main = c.socket(manager, "/");
    const users = c.socket(manager, "/users");
    expect(main.io).toBe(manager);
    expect(users.io).toBe(manager);
    expect(main.io).toBeInstanceOf(Manager);
    await Promise.all([waitFor(main, "connect"), waitFor(users, "connect")]);
    expect(manager.engine).toBe(main.io.engine);
  });

  it("auth reads back what was given, and an assignment before reconnecting changes what the server sees", async () => {
    const server = await echoServer();
    const seen: unknown[] = [];
    server.io.use((socket, next) => {
      seen.push(socket.handshake.auth);
      next();
    });
    const socket = c.io(server.url, { ...fast, auth: { token: "first" } });
    expect(socket.auth).toEqual({ token: "first" });
    await waitFor(socket, "connect");
    socket.disconnect();
    socket.auth = { token: "second" };
    expect(socket.auth).toEqual({ token: "second" });
    socket.connect();
    await waitFor(socket, "connect");
    expect(seen).toEqual([{ token: "first" }, { token: "second" }]);
  });
});

describe("auth option", () => {
  it("an object is sent as the handshake payload", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { auth: { token: "abc", nested: { n: 1 } } });
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id).handshake.auth).toEqual({ token: "abc", nested: { n: 1 } });
  });

  it("a function is called on every attempt, so the server sees fresh credentials after each outage (socket.io #1409)", async () => {
    const server = await echoServer();
    const proxy = await proxyTo(server);
    const seen: unknown[] = [];
    server.io.use((socket, next) => {
      seen.push(socket.handshake.auth);
      next();
    });
    let calls = 0;
    const socket = c.io(proxy.url, {
      ...fast,
      transports: ["websocket"],
      auth: (cb) => cb({ token: `token-${++calls}` }),
    });
    const connects = record(socket, "connect");
    await until(() => connects.length === 1, "the first connection");
    for (let outage = 1; outage <= 3; outage++) {
      proxy.cut();
      await until(() => connects.length === outage + 1, `reconnection ${outage}`);
    }
    expect(calls).toBe(4);
    expect(seen).toEqual([{ token: "token-1" }, { token: "token-2" }, { token: "token-3" }, { token: "token-4" }]);
    expect(server.serverSocket(socket.id).handshake.auth).toEqual({ token: "token-4" });
  });

  it("a function may call back asynchronously", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, {
      auth: (cb) => {
        setTimeout(() => cb({ token: "later" }), 20);
      },
    });
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id).handshake.auth).toEqual({ token: "later" });
  });

  it("a function that calls back twice sends one handshake", async () => {
    const server = await echoServer();
    const connections = serverConnections(server);
    const socket = c.io(server.url, {
      auth: (cb) => {
        cb({ token: "first" });
        cb({ token: "second" });
      },
    });
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "a")).toBe("a");
    expect(await socket.emitWithAck("echo", "b")).toBe("b");
    expect(connections.map((serverSide) => serverSide.handshake.auth)).toEqual([{ token: "first" }]);
  });

  it("a function that calls back after socket.disconnect() sends no handshake", async () => {
    const server = await echoServer();
    const connections = serverConnections(server);
    let callBack: ((data: object) => void) | undefined;
    const socket = c.io(server.url, { auth: (cb) => (callBack = cb) });
    await until(() => callBack, "the auth function to be called");
    socket.disconnect();
    callBack!({ token: "too late" });
    await until(() => socket.io.engine.readyState === "closed", "the engine to close");
    await until(() => server.io.engine.clientsCount === 0, "the server to see the connection close");
    expect(connections).toEqual([]);
    expect(socket.connected).toBe(false);
  });

  it("an auth function assigned with the setter is used from the next attempt on", async () => {
    const server = await echoServer();
    const socket = c.io(server.url, { auth: { token: "object" } });
    await waitFor(socket, "connect");
    socket.disconnect();
    const fn = (cb: (data: object) => void) => cb({ token: "function" });
    socket.auth = fn;
    expect(socket.auth).toBe(fn);
    socket.connect();
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id).handshake.auth).toEqual({ token: "function" });
  });

  it("a function that throws gives connect_error with its error, and no uncaught exception", async () => {
    const trap = trapUncaught();
    try {
      const server = await echoServer();
      const failure = new Error("no credentials");
      const socket = c.io(server.url, {
        auth: () => {
          throw failure;
        },
      });
      const [error] = await waitFor<[Error]>(socket, "connect_error");
      expect(error).toBe(failure);
      expect(socket.connected).toBe(false);
      expect(socket.active).toBe(false);
      await trap.drain();
      expect(trap.errors).toEqual([]);
    } finally {
      await trap.restore();
    }
  });

  for (const [what, value] of [
    ["a string", "token"],
    ["a number", 42],
    ["an array", ["token"]],
  ] as const) {
    it(`a function that calls back with ${what} gives connect_error with a clear Error, and no uncaught exception`, async () => {
      const trap = trapUncaught();
      try {
        const server = await echoServer();
        const connections = serverConnections(server);
        const socket = c.io(server.url, { auth: (cb) => cb(value as unknown as object) });
        const [error] = await waitFor<[Error]>(socket, "connect_error");
        expect(error).toBeInstanceOf(TypeError);
        expect(error.message).toMatch(/auth/);
        expect(socket.connected).toBe(false);
        expect(connections).toHaveLength(0);
        await trap.drain();
        expect(trap.errors).toEqual([]);
      } finally {
        await trap.restore();
      }
    });
  }
});

describe("connect() and disconnect()", () => {
  it("connect() and open() return the socket; on a connected socket they open no second server connection", async () => {
    const server = await echoServer();
    const connections = serverConnections(server);
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const id = socket.id;
    expect(socket.connect()).toBe(socket);
    expect(socket.open()).toBe(socket);
    // anything a second handshake sent would have reached the server before these
    expect(await socket.emitWithAck("echo", "a")).toBe("a");
    expect(await socket.emitWithAck("echo", "b")).toBe("b");
    expect(connections).toHaveLength(1);
    expect(server.io.engine.clientsCount).toBe(1);
    expect(socket.id).toBe(id);
  });

  it("close() is disconnect(): it returns the socket and the server sees \"client namespace disconnect\"", async () => {
    const server = await echoServer();
    const connections = serverConnections(server);
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const serverReason = new Promise<string>((resolve) => connections[0]!.on("disconnect", resolve));
    const reasons = record(socket, "disconnect");
    expect(socket.close()).toBe(socket);
    expect(reasons).toEqual([["io client disconnect", undefined]]);
    expect(await serverReason).toBe("client namespace disconnect");
  });

  it("disconnecting the last socket closes the engine; another active socket keeps it open", async () => {
    const server = await echoServer();
    const manager = c.manager(server.url);
    const main = c.socket(manager, "/");
    const users = c.socket(manager, "/users");
    await Promise.all([waitFor(main, "connect"), waitFor(users, "connect")]);
    const engine = manager.engine;
    main.disconnect();
    expect(users.connected).toBe(true);
    expect(await users.emitWithAck("echo", "still here")).toBe("still here");
    expect(engine.readyState).toBe("open");
    expect(server.io.engine.clientsCount).toBe(1);
    users.disconnect();
    await until(() => engine.readyState === "closed", "the engine to close");
    await until(() => server.io.engine.clientsCount === 0, "the server to see the connection close");
  });

  it("connect() again on a Manager whose connection is still open (another socket uses it) reuses that connection", async () => {
    const server = await echoServer();
    const manager = c.manager(server.url);
    const main = c.socket(manager, "/");
    const users = c.socket(manager, "/users");
    await Promise.all([waitFor(main, "connect"), waitFor(users, "connect")]);
    const engine = manager.engine;
    const serverSide = server.serverSocket(main.id);
    const left = new Promise((resolve) => serverSide.once("disconnect", resolve));
    main.disconnect();
    // the server handles a namespace's DISCONNECT asynchronously, and closes a connection that CONNECTs to it in between
    await left;
    main.connect();
    await waitFor(main, "connect");
    expect(manager.engine).toBe(engine);
    expect(server.io.engine.clientsCount).toBe(1);
    expect(server.serverSocket(main.id).conn).toBe(server.serverSocket(users.id, "/users").conn);
  });

  it("a socket created from within a listener of another socket connects and works", async () => {
    const server = await echoServer();
    const manager = c.manager(server.url);
    const main = c.socket(manager, "/");
    const created = new Promise<ReturnType<typeof c.io>>((resolve) => main.once("connect", () => resolve(c.socket(manager, "/users"))));
    const users = await created;
    await waitFor(users, "connect");
    expect(users.connected).toBe(true);
    expect(await users.emitWithAck("echo", "from /users")).toBe("from /users");
    expect(server.serverSocket(users.id, "/users").nsp.name).toBe("/users");
  });

  it("a socket created from within a Manager listener connects and works", async () => {
    const server = await echoServer();
    const manager = c.manager(server.url);
    const created = new Promise<ReturnType<typeof c.io>>((resolve) => manager.once("open", () => resolve(c.socket(manager, "/users"))));
    const users = await created;
    await waitFor(users, "connect");
    expect(await users.emitWithAck("echo", "ok")).toBe("ok");
  });

  it("disconnect() while the handshake is in flight leaves no session on the server", async () => {
    const server = await echoServer();
    const connections = serverConnections(server);
    const socket = c.io(server.url);
    await waitFor(socket.io, "open");
    socket.disconnect();
    expect(socket.active).toBe(false);
    await until(() => server.io.engine.clientsCount === 0, "the server to see the connection close");
    await until(() => connections.every((s) => s.disconnected), "every server-side socket to be gone");
    expect(socket.connected).toBe(false);
  });
});
