// io(): the module's exports, URL handling and the Manager cache, against a real server.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import * as official from "socket.io-client";
import * as client from "../../src/index.js";
import defaultExport, { connect, io, Manager, protocol, Socket } from "../../src/index.js";
import { startEchoServer, type EchoServer } from "../support/servers.js";
import { clients, waitFor } from "../support/util.js";
import { countEngineConnections, startTlsServer, TLS_CERT } from "./harness.js";

const c = clients();
afterEach(() => {
  expect(c.cleanup()).toEqual([]);
});

describe("module exports", () => {
  it("exports io, Manager, Socket and protocol 5, as named exports", () => {
    expect(typeof io).toBe("function");
    expect(typeof Manager).toBe("function");
    expect(typeof Socket).toBe("function");
    expect(protocol).toBe(5);
  });

  it("gives io the documented io.protocol (5) and the standalone build's io.Manager and io.Socket", () => {
    const fn = io as unknown as Record<string, unknown>;
    expect(fn.protocol).toBe(5);
    expect(fn.Manager).toBe(Manager);
    expect(fn.Socket).toBe(Socket);
    expect(fn.connect).toBe(io);
  });

  it("exports io as the default export and as `connect`", () => {
    expect(defaultExport).toBe(io);
    expect(connect).toBe(io);
  });

  it("exports every name socket.io-client 4.8 exports", () => {
    const missing = Object.keys(official).filter((name) => !(name in client));
    expect(missing).toEqual([]);
  });

  it("returns Socket instances whose `io` is a Manager", () => {
    const socket = c.io("http://127.0.0.1:1", { autoConnect: false });
    expect(socket).toBeInstanceOf(Socket);
    expect(socket.io).toBeInstanceOf(Manager);
  });
});

describe("URL handling", () => {
  let server: EchoServer;
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterAll(async () => {
    expect(c.cleanup()).toEqual([]);
    await server.close();
  });

  it("takes the namespace from the URL's pathname and connects to it", async () => {
    const socket = c.io(`${server.url}/users`);
    expect(socket.nsp).toBe("/users");
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id, "/users").nsp.name).toBe("/users");
  });

  it("uses namespace / when the URL has no pathname", async () => {
    const socket = c.io(server.url);
    expect(socket.nsp).toBe("/");
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id, "/").nsp.name).toBe("/");
  });

  it("sends the URL's query string with the handshake", async () => {
    const socket = c.io(`${server.url}/users?token=abc&lang=fr`);
    await waitFor(socket, "connect");
    const { query } = server.serverSocket(socket.id, "/users").handshake;
    expect(query.token).toBe("abc");
    expect(query.lang).toBe("fr");
  });

  it("sends the `query` option with the handshake", async () => {
    const socket = c.io(server.url, { query: { token: "from-option", n: "1" } });
    await waitFor(socket, "connect");
    const { query } = server.serverSocket(socket.id).handshake;
    expect(query.token).toBe("from-option");
    expect(query.n).toBe("1");
  });

  it("treats the default port as the same server: http://host and http://host:80 share one Manager", () => {
    const a = c.track(io("http://default-port.test/a", { autoConnect: false }));
    const b = c.track(io("http://default-port.test:80/b", { autoConnect: false }));
    const other = c.track(io("http://default-port.test:8080/c", { autoConnect: false }));
    expect(b.io).toBe(a.io);
    expect(other.io).not.toBe(a.io);
  });

  it("treats https://host and https://host:443 as the same server, and not as http://host", () => {
    const a = c.track(io("https://default-port-tls.test/a", { autoConnect: false }));
    const b = c.track(io("https://default-port-tls.test:443/b", { autoConnect: false }));
    const plain = c.track(io("http://default-port-tls.test/c", { autoConnect: false }));
    expect(b.io).toBe(a.io);
    expect(plain.io).not.toBe(a.io);
  });

  it("connects with a ws:// URL", async () => {
    const socket = c.io(`ws://127.0.0.1:${server.port}/users`);
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "over ws://")).toBe("over ws://");
    expect(server.serverSocket(socket.id, "/users").handshake.secure).toBe(false);
  });

  it("connects over TLS with a wss:// URL (and hands the `ca` option to the engine)", async () => {
    const tls = await startTlsServer();
    try {
      tls.io.on("connection", (s) => s.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value)));
      const socket = c.io(`wss://127.0.0.1:${tls.port}`, { ca: TLS_CERT });
      await waitFor(socket, "connect");
      expect(await socket.emitWithAck("echo", "over wss://")).toBe("over wss://");
      expect(tls.io.sockets.sockets.get(socket.id!)?.handshake.secure).toBe(true);
    } finally {
      c.disconnectAll();
      await tls.close();
    }
  });

  it("rejects a server certificate it cannot verify over wss:// with connect_error", async () => {
    const tls = await startTlsServer();
    try {
      const socket = c.io(`wss://127.0.0.1:${tls.port}`, { reconnection: false });
      const [error] = await waitFor<[Error]>(socket, "connect_error");
      expect(error).toBeInstanceOf(Error);
      expect(socket.active).toBe(false);
      expect(tls.io.engine.clientsCount).toBe(0);
    } finally {
      c.disconnectAll();
      await tls.close();
    }
  });

  it("throws a TypeError naming the problem for a relative URL outside a browser", () => {
    expect(() => io("/admin")).toThrow(TypeError);
    expect(() => io("/admin")).toThrow(/relative URL "\/admin"/);
  });

  it("throws a TypeError saying a URL is required for io() or io(options) outside a browser", () => {
    expect(() => io()).toThrow(new TypeError("io(): a URL is required outside a browser"));
    expect(() => io({ forceNew: true })).toThrow(new TypeError("io(): a URL is required outside a browser"));
  });

  it("takes a URL without a protocol for https:// outside a browser, as the official client does", async () => {
    const tls = await startTlsServer();
    try {
      const socket = c.io(`127.0.0.1:${tls.port}`, { ca: TLS_CERT });
      await waitFor(socket, "connect");
      expect(tls.io.sockets.sockets.get(socket.id!)?.handshake.secure).toBe(true);
    } finally {
      c.disconnectAll();
      await tls.close();
    }
  });

  it("throws a TypeError for a URL that is not a string", () => {
    expect(() => io(42 as unknown as string)).toThrow(TypeError);
  });
});

describe("the Manager cache", () => {
  let server: EchoServer;
  let engines: { count: number };
  // a server per test: the cache is keyed by host and port, and lives as long as the module
  beforeEach(async () => {
    server = await startEchoServer();
    engines = countEngineConnections(server);
  });
  afterEach(async () => {
    expect(c.cleanup()).toEqual([]);
    await server.close();
  });

  it("reuses one Manager and one engine connection for two namespaces of the same server", async () => {
    const main = c.track(io(server.url));
    const users = c.track(io(`${server.url}/users`));
    expect(users.io).toBe(main.io);
    await Promise.all([waitFor(main, "connect"), waitFor(users, "connect")]);
    expect(engines.count).toBe(1);
    expect(server.serverSocket(main.id, "/").conn).toBe(server.serverSocket(users.id, "/users").conn);
  });

  it("gives a second io() for the same namespace a new Manager and its own connection", async () => {
    const first = c.track(io(server.url));
    const second = c.track(io(server.url));
    expect(second).not.toBe(first);
    expect(second.io).not.toBe(first.io);
    await Promise.all([waitFor(first, "connect"), waitFor(second, "connect")]);
    expect(engines.count).toBe(2);
  });

  it("creates a new Manager with forceNew: true", async () => {
    const shared = c.track(io(server.url));
    const forced = c.track(io(`${server.url}/users`, { forceNew: true }));
    expect(forced.io).not.toBe(shared.io);
    await Promise.all([waitFor(shared, "connect"), waitFor(forced, "connect")]);
    expect(engines.count).toBe(2);
  });

  it("creates a new Manager with multiplex: false", async () => {
    const shared = c.track(io(server.url));
    const alone = c.track(io(`${server.url}/users`, { multiplex: false }));
    expect(alone.io).not.toBe(shared.io);
    await Promise.all([waitFor(shared, "connect"), waitFor(alone, "connect")]);
    expect(engines.count).toBe(2);
  });

  it('creates a new Manager with "force new connection": true', async () => {
    const shared = c.track(io(server.url));
    const forced = c.track(io(`${server.url}/users`, { "force new connection": true } as object));
    expect(forced.io).not.toBe(shared.io);
    await Promise.all([waitFor(shared, "connect"), waitFor(forced, "connect")]);
    expect(engines.count).toBe(2);
  });

  it("does not put a forced Manager in the cache: the next io() still gets the shared one", () => {
    const forced = c.track(io(`${server.url}/a`, { forceNew: true, autoConnect: false }));
    const shared = c.track(io(`${server.url}/b`, { autoConnect: false }));
    const sharedAgain = c.track(io(`${server.url}/c`, { autoConnect: false }));
    expect(shared.io).not.toBe(forced.io);
    expect(sharedAgain.io).toBe(shared.io);
  });
});
