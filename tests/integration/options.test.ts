// Every client option that can be observed in Node.js, each seen from the real server's side.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as socketIoParser from "socket.io-parser";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Manager } from "../../src/index.js";
import { startEchoServer, startServer, startSilentServer, type EchoServer } from "../support/servers.js";
import { clients, fast, noTimeout, record, until, waitFor, within } from "../support/util.js";
import { countEngineConnections, recordRequests, watchTimers } from "./harness.js";
import { useEchoServer } from "../support/fixtures.js";

let server: EchoServer;
let engines: { count: number };
let requests: ReturnType<typeof recordRequests>;
const c = clients();
useEchoServer(c, (started) => {
  server = started;
  engines = countEngineConnections(server);
  requests = recordRequests(server);
});

/** The query parameters of a request URL. */
const paramsOf = (url: string) => new URL(url, "http://x").searchParams;

/** The requests of one engine session (by its sid), the handshake included. */
function requestsOf(sid: string) {
  return requests.filter(({ url }) => {
    const params = paramsOf(url);
    return params.get("sid") === sid;
  });
}

describe("path and query", () => {
  it("path: connects to a server on a custom path", async () => {
    const custom = await startEchoServer({ path: "/custom-path/" });
    try {
      const socket = c.io(custom.url, { path: "/custom-path" });
      await waitFor(socket, "connect");
      expect(await socket.emitWithAck("echo", 1)).toBe(1);
    } finally {
      c.disconnectAll();
      await custom.close();
    }
  });

  it("path: the default path does not reach a server on a custom path", async () => {
    const custom = await startEchoServer({ path: "/custom-path/" });
    try {
      const socket = c.io(custom.url, { reconnection: false });
      await waitFor(socket, "connect_error");
      expect(socket.active).toBe(false);
    } finally {
      c.disconnectAll();
      await custom.close();
    }
  });

  it("query: is sent with the first handshake and again on every reconnection", async () => {
    const queries: unknown[] = [];
    const onConnection = (s: { handshake: { query: Record<string, unknown> } }) => queries.push(s.handshake.query.token);
    server.io.on("connection", onConnection);
    try {
      const socket = c.io(server.url, { ...fast, query: { token: "t-1" } });
      await waitFor(socket, "connect");
      socket.emit("close-transport");
      await waitFor(socket.io, "reconnect");
      await waitFor(socket, "connect");
      expect(queries).toEqual(["t-1", "t-1"]);
    } finally {
      server.io.off("connection", onConnection);
    }
  });
});

describe("headers", () => {
  it("extraHeaders: the server sees them in the handshake headers (polling)", async () => {
    const socket = c.io(server.url, { transports: ["polling"], extraHeaders: { "x-client-test": "hello" } });
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id).handshake.headers["x-client-test"]).toBe("hello");
  });

  it("extraHeaders: the server sees them in the handshake headers (websocket)", async () => {
    const socket = c.io(server.url, { transports: ["websocket"], extraHeaders: { "x-client-test": "over ws" } });
    await waitFor(socket, "connect");
    expect(server.serverSocket(socket.id).handshake.headers["x-client-test"]).toBe("over ws");
  });

  it("transportOptions: headers per transport reach the requests of that transport only", async () => {
    const socket = c.io(server.url, {
      transportOptions: {
        polling: { extraHeaders: { "x-polling-only": "p" } },
        websocket: { extraHeaders: { "x-websocket-only": "w" } },
      },
    });
    await waitFor(socket, "connect");
    if (socket.io.engine.transport.name !== "websocket") await waitFor(socket.io.engine, "upgrade");
    const session = requestsOf(socket.io.engine.id);
    const polling = session.filter((r) => r.kind === "request");
    const upgrade = session.filter((r) => r.kind === "upgrade");
    expect(polling.length).toBeGreaterThan(0);
    expect(upgrade).toHaveLength(1);
    for (const r of polling) {
      expect(r.headers["x-polling-only"]).toBe("p");
      expect(r.headers["x-websocket-only"]).toBeUndefined();
    }
    expect(upgrade[0]!.headers["x-websocket-only"]).toBe("w");
    expect(upgrade[0]!.headers["x-polling-only"]).toBeUndefined();
  });

  for (const withCredentials of [true, false]) {
    it(`withCredentials: ${withCredentials}: the cookie the server set at the handshake ${withCredentials ? "comes back with every later request and the upgrade" : "never comes back"}`, async () => {
      // the server sets a cookie named io with the session id (socket.io's `cookie` option)
      const cookieServer = await startEchoServer({ cookie: true });
      try {
        const seen = recordRequests(cookieServer);
        const socket = c.io(cookieServer.url, { withCredentials });
        await waitFor(socket, "connect");
        if (socket.io.engine.transport.name !== "websocket") await waitFor(socket.io.engine, "upgrade");
        expect(await socket.emitWithAck("echo", "fine")).toBe("fine");
        const sid = socket.io.engine.id;
        const [handshake, ...later] = seen;
        expect(paramsOf(handshake!.url).get("sid")).toBeNull();
        expect(handshake!.headers.cookie).toBeUndefined();
        expect(later.filter((r) => r.kind === "upgrade")).toHaveLength(1);
        expect(later.filter((r) => r.kind === "request").length).toBeGreaterThan(0);
        for (const r of later) {
          expect(paramsOf(r.url).get("sid")).toBe(sid);
          expect(r.headers.cookie).toBe(withCredentials ? `io=${sid}` : undefined);
        }
      } finally {
        c.disconnectAll();
        await cookieServer.close();
      }
    });
  }
});

describe("transports", () => {
  it('transports ["websocket"]: connects with a WebSocket from the first request, no polling', async () => {
    const initial: string[] = [];
    const onConnection = (s: { transport: { name: string } }) => initial.push(s.transport.name);
    server.io.engine.on("connection", onConnection);
    try {
      const socket = c.io(server.url, { transports: ["websocket"] });
      await waitFor(socket, "connect");
      expect(socket.io.engine.transport.name).toBe("websocket");
      expect(initial).toEqual(["websocket"]);
      expect(server.serverSocket(socket.id).conn.transport.name).toBe("websocket");
    } finally {
      server.io.engine.off("connection", onConnection);
    }
  });

  it('transports ["polling"]: stays on long-polling, never asks for an upgrade', async () => {
    const socket = c.io(server.url, { transports: ["polling"] });
    const upgrades: unknown[] = [];
    await waitFor(socket, "connect");
    const engine = socket.io.engine;
    engine.on("upgrade", () => upgrades.push([]));
    for (let i = 0; i < 3; i++) expect(await socket.emitWithAck("echo", i)).toBe(i);
    expect(engine.transport.name).toBe("polling");
    expect(requestsOf(engine.id).filter((r) => r.kind === "upgrade")).toEqual([]);
    expect(upgrades).toEqual([]);
  });

  it("upgrade: false: starts with long-polling and does not upgrade", async () => {
    const socket = c.io(server.url, { upgrade: false });
    await waitFor(socket, "connect");
    const engine = socket.io.engine;
    for (let i = 0; i < 3; i++) expect(await socket.emitWithAck("echo", i)).toBe(i);
    expect(engine.transport.name).toBe("polling");
    expect(requestsOf(engine.id).filter((r) => r.kind === "upgrade")).toEqual([]);
  });

  it("upgrade (default): starts with long-polling and upgrades to websocket", async () => {
    const socket = c.io(server.url);
    await waitFor(socket, "connect");
    const engine = socket.io.engine;
    if (engine.transport.name !== "websocket") await waitFor(engine, "upgrade");
    expect(engine.transport.name).toBe("websocket");
    // the server switches when the client's upgrade packet arrives
    const conn = server.serverSocket(socket.id).conn;
    await until(() => conn.transport.name === "websocket", "the server to switch to websocket");
    expect(paramsOf(requestsOf(engine.id).find((r) => r.kind === "upgrade")!.url).get("transport")).toBe("websocket");
  });

  it("tryAllTransports: true falls back to polling when the server refuses websocket", async () => {
    const pollingOnly = await startEchoServer({ transports: ["polling"] });
    try {
      const socket = c.io(pollingOnly.url, { transports: ["websocket", "polling"], tryAllTransports: true, reconnection: false });
      await waitFor(socket, "connect");
      expect(socket.io.engine.transport.name).toBe("polling");
      expect(await socket.emitWithAck("echo", "fallback")).toBe("fallback");
    } finally {
      c.disconnectAll();
      await pollingOnly.close();
    }
  });

  it("tryAllTransports: false (default) fails with connect_error when the first transport is refused", async () => {
    const pollingOnly = await startEchoServer({ transports: ["polling"] });
    try {
      const socket = c.io(pollingOnly.url, { transports: ["websocket", "polling"], reconnection: false });
      await waitFor(socket, "connect_error");
      expect(pollingOnly.io.engine.clientsCount).toBe(0);
    } finally {
      c.disconnectAll();
      await pollingOnly.close();
    }
  });

  it("rememberUpgrade: after an upgrade, the next connection starts with websocket; without it, with polling", async () => {
    const initial: string[] = [];
    const onConnection = (s: { transport: { name: string } }) => initial.push(s.transport.name);
    server.io.engine.on("connection", onConnection);
    try {
      const first = c.io(server.url, { rememberUpgrade: true });
      await waitFor(first, "connect");
      if (first.io.engine.transport.name !== "websocket") await waitFor(first.io.engine, "upgrade");
      first.disconnect();

      const remembering = c.io(server.url, { rememberUpgrade: true });
      await waitFor(remembering, "connect");
      expect(remembering.io.engine.transport.name).toBe("websocket");
      remembering.disconnect();

      const forgetting = c.io(server.url);
      await waitFor(forgetting, "connect");
      expect(initial).toEqual(["polling", "websocket", "polling"]);
    } finally {
      server.io.engine.off("connection", onConnection);
    }
  });

  it("addTrailingSlash: false requests /socket.io instead of /socket.io/", async () => {
    const noSlash = await startEchoServer({ addTrailingSlash: false });
    const urls = recordRequests(noSlash);
    try {
      const socket = c.io(noSlash.url, { addTrailingSlash: false, transports: ["polling"] });
      await waitFor(socket, "connect");
      expect(urls.length).toBeGreaterThan(0);
      for (const { url } of urls) expect(url.startsWith("/socket.io?")).toBe(true);
    } finally {
      c.disconnectAll();
      await noSlash.close();
    }
  });

  it("addTrailingSlash (default): requests /socket.io/", async () => {
    const socket = c.io(server.url, { transports: ["polling"] });
    await waitFor(socket, "connect");
    const session = requestsOf(socket.io.engine.id);
    expect(session.length).toBeGreaterThan(0);
    for (const { url } of session) expect(url.startsWith("/socket.io/?")).toBe(true);
  });

  it("timestampRequests (default): every polling request carries the t parameter, a new value each time", async () => {
    const socket = c.io(server.url, { transports: ["polling"] });
    await waitFor(socket, "connect");
    await socket.emitWithAck("echo", 1);
    const session = requestsOf(socket.io.engine.id);
    expect(session.length).toBeGreaterThan(1);
    const stamps = session.map(({ url }) => paramsOf(url).get("t"));
    for (const stamp of stamps) expect(stamp).toBeTruthy();
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  it("timestampParam renames the cache-busting parameter", async () => {
    const socket = c.io(server.url, { transports: ["polling"], timestampParam: "cachebust" });
    await waitFor(socket, "connect");
    const session = requestsOf(socket.io.engine.id);
    expect(session.length).toBeGreaterThan(0);
    for (const { url } of session) {
      expect(paramsOf(url).get("cachebust")).toBeTruthy();
      expect(paramsOf(url).has("t")).toBe(false);
    }
  });

  it("timestampRequests: false sends polling requests without the cache-busting parameter", async () => {
    const socket = c.io(server.url, { transports: ["polling"], timestampRequests: false });
    await waitFor(socket, "connect");
    const session = requestsOf(socket.io.engine.id);
    expect(session.length).toBeGreaterThan(0);
    for (const { url } of session) expect(paramsOf(url).has("t")).toBe(false);
  });
});

describe("connection behaviour", () => {
  it("autoConnect: false connects nothing until socket.connect()", async () => {
    const before = engines.count;
    const socket = c.io(server.url, { autoConnect: false });
    expect(socket.io.engine).toBeUndefined();
    expect(socket.active).toBe(false);
    expect(socket.io.actor.getSnapshot().matches("idle")).toBe(true);
    // another client's whole handshake: a connection of the first one would have arrived by then
    const witness = c.io(server.url);
    await waitFor(witness, "connect");
    expect(engines.count).toBe(before + 1);
    socket.connect();
    await waitFor(socket, "connect");
    expect(engines.count).toBe(before + 2);
  });

  it("reconnection: false: a lost connection ends the Socket (transport close, inactive), with no attempt", async () => {
    const socket = c.io(server.url, { reconnection: false });
    await waitFor(socket, "connect");
    const attempts = record(socket.io, "reconnect_attempt");
    const disconnected = waitFor<[string]>(socket, "disconnect");
    socket.emit("close-transport");
    expect((await disconnected)[0]).toBe("transport close");
    expect(socket.active).toBe(false);
    expect(socket.io.actor.getSnapshot().matches("closed")).toBe(true);
    expect(attempts).toEqual([]);
  });

  it("reconnection (default): a lost connection is reconnected and the Socket connects again", async () => {
    const socket = c.io(server.url, { ...fast });
    await waitFor(socket, "connect");
    const firstId = socket.id;
    const disconnected = waitFor<[string]>(socket, "disconnect");
    socket.emit("close-transport");
    expect((await disconnected)[0]).toBe("transport close");
    expect(socket.active).toBe(true);
    await waitFor(socket, "connect");
    expect(socket.id).not.toBe(firstId);
  });

  it("timeout: an attempt the server never answers fails with connect_error \"timeout\"", async () => {
    const silent = await startSilentServer();
    try {
      const socket = c.io(silent.url, { timeout: 50, reconnection: false });
      const managerErrors = record<[Error]>(socket.io, "error");
      const [error] = await waitFor<[Error]>(socket, "connect_error");
      expect(error.message).toBe("timeout");
      expect(managerErrors.map(([e]) => e.message)).toEqual(["timeout"]);
      expect(socket.active).toBe(false);
    } finally {
      c.disconnectAll();
      await silent.close();
    }
  });

  it("timeout: false: an unanswered attempt keeps waiting where another one times out", async () => {
    const silent = await startSilentServer();
    try {
      const patient = c.io(silent.url, { timeout: noTimeout, reconnection: false, autoConnect: false });
      const patientTimers = watchTimers(patient.io);
      const patientErrors = record(patient, "connect_error");
      const impatient = c.io(silent.url, { timeout: 50, reconnection: false, autoConnect: false });
      const impatientTimers = watchTimers(impatient.io);
      patient.connect();
      impatient.connect();
      // the attempt's timeout is a timer: none is armed for the patient one, so nothing can end it
      expect(impatientTimers.pending).toBe(1);
      expect(patientTimers.pending).toBe(0);
      await waitFor(impatient, "connect_error");
      expect(patientTimers.pending).toBe(0);
      expect(patientErrors).toEqual([]);
      expect(patient.io._readyState).toBe("opening");
      expect(patient.active).toBe(true);
    } finally {
      c.disconnectAll();
      await silent.close();
    }
  });
});

describe("parser", () => {
  it("uses a custom parser (Encoder and Decoder) for every packet", async () => {
    const counts = { encoded: [] as number[], decoded: [] as number[] };
    class CountingEncoder extends socketIoParser.Encoder {
      override encode(packet: socketIoParser.Packet) {
        counts.encoded.push(packet.type);
        return super.encode(packet);
      }
    }
    class CountingDecoder extends socketIoParser.Decoder {
      constructor() {
        super();
        this.on("decoded", (packet: socketIoParser.Packet) => counts.decoded.push(packet.type));
      }
    }
    const parser = { ...socketIoParser, Encoder: CountingEncoder, Decoder: CountingDecoder };
    const socket = c.io(server.url, { parser });
    await waitFor(socket, "connect");
    expect(await socket.emitWithAck("echo", "parsed")).toBe("parsed");
    const { CONNECT, EVENT, ACK } = socketIoParser.PacketType;
    expect(counts.encoded).toEqual([CONNECT, EVENT]);
    expect(counts.decoded).toEqual([CONNECT, ACK]);
  });

  it("throws a TypeError naming the option for a parser without Encoder and Decoder", () => {
    expect(() => new Manager(server.url, { autoConnect: false, parser: {} })).toThrow(TypeError);
    expect(() => new Manager(server.url, { autoConnect: false, parser: {} })).toThrow(/parser/);
    expect(() => new Manager(server.url, { autoConnect: false, parser: "msgpack" })).toThrow(TypeError);
    expect(() => new Manager(server.url, { autoConnect: false, parser: { Encoder: 1, Decoder: 2 } })).toThrow(TypeError);
  });
});

describe("autoUnref", () => {
  for (const autoUnref of [true, false]) {
    it(`${autoUnref ? "unrefs" : "without it, keeps referenced"} the Manager's own timers: the connection timeout, the backoff wait`, async () => {
      const silent = await startSilentServer();
      try {
        const socket = c.io(silent.url, { autoUnref, autoConnect: false, timeout: 30, reconnectionDelay: 10_000, randomizationFactor: 0 });
        const timers = watchTimers(socket.io);
        socket.connect();
        // the attempt's connection timeout
        expect(timers.handles).toHaveLength(1);
        expect(timers.handles[0]!.hasRef()).toBe(!autoUnref);
        await waitFor(socket, "connect_error");
        // the backoff wait before attempt 1
        await until(() => timers.handles.length === 1, "the backoff timer");
        expect(timers.handles[0]!.hasRef()).toBe(!autoUnref);
      } finally {
        c.disconnectAll();
        await silent.close();
      }
    });
  }

  const fixture = fileURLToPath(new URL("./fixtures/auto-unref-client.ts", import.meta.url));

  /** Runs the client in a child process; resolves its output once it printed `connected`. */
  function startClient(url: string, mode: "unref" | "ref", transports: string) {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, url, mode, transports], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let errors = "";
    child.stderr.on("data", (chunk) => (errors += chunk));
    const connected = new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk) => {
        output += chunk;
        if (output.includes("\n")) resolve(output.trim());
      });
      child.on("exit", (code) => reject(new Error(`the client exited (${code}) before connecting: ${output} ${errors}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, connected, exited };
  }

  for (const transports of ["websocket", "polling,websocket", "polling"]) {
    it(`lets a connected client process exit on its own (transports ${transports})`, async () => {
      const clientServer = await startServer({ pingInterval: 200 });
      try {
        const connections = record(clientServer.io, "connection");
        const { connected, exited } = startClient(clientServer.url, "unref", transports);
        expect(await within(connected, 10_000, "the client process to connect")).toMatch(/^connected /);
        expect(await within(exited, 10_000, "the client process to exit on its own")).toBe(0);
        expect(connections).toHaveLength(1);
      } finally {
        await clientServer.close();
      }
    });
  }

  it("without autoUnref, a connected client process stays alive (it keeps answering pings)", async () => {
    const clientServer = await startServer({ pingInterval: 50 });
    const { child, connected, exited } = startClient(clientServer.url, "ref", "websocket");
    try {
      const [[serverSocket]] = await Promise.all([
        waitFor<[{ conn: { on(e: string, fn: (p: { type: string }) => void): void } }]>(clientServer.io, "connection", 10_000),
        within(connected, 10_000, "the client process to connect"),
      ]);
      // after "connected", the process must still be there to answer
      const pongs = { count: 0 };
      await new Promise<void>((resolve) =>
        serverSocket.conn.on("packet", (packet) => {
          if (packet.type === "pong" && ++pongs.count === 3) resolve();
        }),
      );
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
      await exited;
      await clientServer.close();
    }
  });
});

describe("timers: the global setTimeout when the Manager is created, or the native one with useNativeTimers", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A connected Socket made while a fake clock (installed after the import) replaces setTimeout. */
  async function connectedOnFakeClock(opts: object = {}) {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const socket = c.io(server.url, { transports: ["websocket"], reconnectionDelay: 100, reconnectionDelayMax: 100, randomizationFactor: 0, ...opts });
    await waitFor(socket, "connect");
    return socket;
  }

  it("by default, a fake clock installed after the import drives the reconnection delay and the ack timeouts", async () => {
    const socket = await connectedOnFakeClock();
    const ack = new Promise<unknown>((resolve) => socket.timeout(1000).emit("never-ack", resolve));
    await vi.advanceTimersByTimeAsync(1000);
    expect(await ack).toEqual(new Error("operation has timed out"));
    const attempts = record(socket.io, "reconnect_attempt");
    socket.io.engine.close();
    await vi.advanceTimersByTimeAsync(99);
    expect(attempts).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([[1]]);
  });

  it("with useNativeTimers, the fake clock drives nothing: the real one does", async () => {
    const socket = await connectedOnFakeClock({ useNativeTimers: true });
    const attempts = record(socket.io, "reconnect_attempt");
    socket.io.engine.close();
    await vi.advanceTimersByTimeAsync(1000);
    expect(attempts).toEqual([]);
    vi.useRealTimers();
    await waitFor(socket.io, "reconnect_attempt");
    expect(attempts).toEqual([[1]]);
  });
});
