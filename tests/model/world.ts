// The world the model paths run in: a real socket.io 4.8 server, a gate in
// front of it (a TCP proxy that holds each new connection until the test says
// what the network does with it), and a clock the test drives for the timers
// of a Manager (connect timeout, backoff, ack timeouts). Nothing here knows the
// machines: it only does what a step of the table asks.
import { createHash } from "node:crypto";
import net from "node:net";
import type { Socket as ServerSocket } from "socket.io";
import { Manager } from "../../src/index.js";
import type { ManagerOptions } from "../../src/manager.js";
import { listen, startServer, type TestServer } from "../support/servers.js";

// ---------------------------------------------------------------------------
// The clock of a Manager
// ---------------------------------------------------------------------------

export interface PendingTimer {
  id: number;
  delay: number;
  fire: () => void;
}

/**
 * A clock the test drives. A Manager takes the global setTimeout as it is when
 * it is created (adapters/clock.ts, like the official client's
 * installTimerFunctions): `create` installs this clock for that moment only,
 * so the Manager's own timers (connect timeout, backoff, ack timeouts) run on
 * it, while engine.io-client and the server keep real time.
 */
export class TestClock {
  #next = 1;
  readonly #pending = new Map<number, PendingTimer>();

  /** Runs `make` with this clock as the global setTimeout/clearTimeout. */
  create<T>(make: () => T): T {
    const saved = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
    const setTimeoutFn = (fn: (...args: unknown[]) => void, delay = 0, ...args: unknown[]) => {
      const id = this.#next++;
      this.#pending.set(id, {
        id,
        delay,
        fire: () => {
          this.#pending.delete(id);
          fn(...args);
        },
      });
      // shaped like a Node.js timer, for `autoUnref`
      return { id, unref() {}, ref() {} };
    };
    const clearTimeoutFn = (handle: unknown) => {
      const id = (handle as { id?: number } | undefined)?.id;
      if (id !== undefined) this.#pending.delete(id);
    };
    globalThis.setTimeout = setTimeoutFn as unknown as typeof setTimeout;
    globalThis.clearTimeout = clearTimeoutFn as unknown as typeof clearTimeout;
    try {
      return make();
    } finally {
      globalThis.setTimeout = saved.setTimeout;
      globalThis.clearTimeout = saved.clearTimeout;
    }
  }

  /**
   * With `autoConnect`, a Manager creates its first engine within its
   * constructor, so the engine (and its transport) took this clock too: they get
   * real time back, as every later engine has. Nothing was armed on it yet.
   */
  static realTimeFor(engine: unknown): void {
    for (const target of [engine, (engine as { transport?: unknown } | undefined)?.transport]) {
      if (!target) continue;
      Object.assign(target, { setTimeoutFn: globalThis.setTimeout.bind(globalThis), clearTimeoutFn: globalThis.clearTimeout.bind(globalThis) });
    }
  }

  /** The delays of the timers armed now, in the order they were armed. */
  get delays(): number[] {
    return [...this.#pending.values()].map((timer) => timer.delay);
  }

  /** Fires the one armed timer; fails unless exactly one is armed and its delay is `delay`. */
  fireOnly(delay: number, what: string): void {
    const timers = [...this.#pending.values()];
    if (timers.length !== 1 || timers[0]!.delay !== delay) {
      throw new Error(`expected one timer of ${delay} ms (${what}), found [${this.delays.join(", ")}]`);
    }
    timers[0]!.fire();
  }

  /** Fires the armed timer of `delay` armed first; fails if there is none. */
  fire(delay: number, what: string): void {
    const timer = [...this.#pending.values()].find((candidate) => candidate.delay === delay);
    if (!timer) throw new Error(`expected a timer of ${delay} ms (${what}), found [${this.delays.join(", ")}]`);
    timer.fire();
  }

  clear(): void {
    this.#pending.clear();
  }
}

// ---------------------------------------------------------------------------
// The network: a gate in front of the server
// ---------------------------------------------------------------------------

interface Held {
  client: net.Socket;
  buffered: Buffer[];
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/**
 * A TCP proxy that holds every new connection: nothing reaches the server
 * until pass() forwards it, refuse() destroys it (the network fails), and
 * closeBeforeHandshake() answers the WebSocket upgrade itself and closes at
 * once (the server closes before the engine.io handshake). Forwarded
 * connections can be cut (a network cut) or get a corrupt frame (a transport error).
 */
export async function startGate(targetPort: number) {
  const held: Held[] = [];
  const pairs = new Set<Pair>();
  const server = net.createServer((client) => {
    client.on("error", () => {});
    const entry: Held = { client, buffered: [] };
    held.push(entry);
    const keep = (chunk: Buffer) => entry.buffered.push(chunk);
    client.on("data", keep);
    client.on("close", () => {
      const index = held.indexOf(entry);
      if (index >= 0) held.splice(index, 1);
    });
    (entry as Held & { keep: typeof keep }).keep = keep;
  });
  const port = await listen(server);

  const take = (): Held => {
    if (held.length !== 1) throw new Error(`${held.length} connections wait at the gate, not one`);
    const entry = held.shift();
    if (!entry) throw new Error("no connection is waiting at the gate");
    entry.client.off("data", (entry as Held & { keep: (chunk: Buffer) => void }).keep);
    return entry;
  };

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    /** Connections waiting at the gate, their request (the WebSocket upgrade) received in full. */
    get waiting() {
      return held.filter((entry) => Buffer.concat(entry.buffered).includes("\r\n\r\n")).length;
    },
    /** Forwarded connections open now. */
    get open() {
      return pairs.size;
    },
    /** Forwards the waiting connection to the server. */
    pass(): void {
      const { client, buffered } = take();
      const upstream = net.connect(targetPort, "127.0.0.1");
      upstream.on("error", () => {});
      const pair = { client, upstream };
      pairs.add(pair);
      for (const chunk of buffered) upstream.write(chunk);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("close", end);
      upstream.on("close", end);
    },
    /** Destroys the waiting connection: the attempt fails with a network error. */
    refuse(): void {
      take().client.destroy();
    },
    /** Accepts the waiting WebSocket upgrade itself, then closes it with a close frame, before any handshake. */
    closeBeforeHandshake(): void {
      const { client, buffered } = take();
      const request = Buffer.concat(buffered).toString("latin1");
      const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1];
      if (!key) throw new Error("the waiting connection sent no WebSocket upgrade");
      const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      client.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      // a close frame, code 1000, then the end of the connection
      client.end(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
    },
    /** Destroys every forwarded connection (a network cut). */
    cut(): void {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    /** Writes an invalid WebSocket frame (reserved bits set) to every forwarded client: its WebSocket fails. */
    corrupt(): void {
      for (const { client } of pairs) client.write(Buffer.from([0xf1, 0x00]));
    },
    async close(): Promise<void> {
      for (const { client } of held.splice(0)) client.destroy();
      this.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type Gate = Awaited<ReturnType<typeof startGate>>;

// ---------------------------------------------------------------------------
// The server: namespaces whose handshakes wait for the test's answer
// ---------------------------------------------------------------------------

export const NAMESPACES = ["/a", "/b"] as const;
export type Nsp = (typeof NAMESPACES)[number];

/**
 * A socket.io 4.8 server with namespaces /a and /b, whose middleware holds
 * every handshake until the test accepts or denies it. Acks: "echo" is
 * answered with its arguments, "ignore" never.
 */
export async function startModelServer() {
  const options = { pingInterval: 60_000, pingTimeout: 60_000 };
  let server: TestServer = await startServer(options);
  const port = server.port;
  const handshakes: Record<Nsp, { socket: ServerSocket; next: (error?: Error) => void }[]> = { "/a": [], "/b": [] };
  /** The "held" emissions the server received, with their ack. */
  const heldAcks: { socket: ServerSocket; ack: ((...args: unknown[]) => void) | undefined }[] = [];
  /** The handshakes each namespace received so far. */
  const received: Record<Nsp, number> = { "/a": 0, "/b": 0 };
  type EngineSocket = { readyState: string; sendPacket(type: string): void; close(): void };
  /** The engine.io sockets, newest last. */
  const engines: EngineSocket[] = [];
  /** The handlers of a server instance: the first one, and each one a restart starts. */
  const install = () => {
    server.io.engine.on("connection", (engine: EngineSocket) => engines.push(engine));
    for (const nsp of NAMESPACES) {
      const namespace = server.io.of(nsp);
      namespace.use((socket, next) => {
        received[nsp]++;
        handshakes[nsp].push({ socket, next });
      });
      namespace.on("connection", (socket) => {
        // an emission whose ack waits for the test: answered by answer(), or never
        socket.on("held", (...args: unknown[]) => {
          const ack = args.pop();
          heldAcks.push({ socket, ack: typeof ack === "function" ? (ack as (...args: unknown[]) => void) : undefined });
        });
      });
    }
  };
  install();
  /** The latest handshake of `nsp` whose connection is still open; the older ones are dropped unanswered. */
  const takeHandshake = (nsp: Nsp) => {
    const live = handshakes[nsp].filter(({ socket }) => socket.conn.readyState === "open");
    handshakes[nsp] = [];
    const latest = live.at(-1);
    if (!latest) throw new Error(`no handshake of ${nsp} is waiting at the server`);
    return latest;
  };
  return {
    get server() {
      return server;
    },
    port,
    received,
    /** Whether a handshake of `nsp` waits for an answer on an open connection. */
    awaiting(nsp: Nsp): boolean {
      return handshakes[nsp].some(({ socket }) => socket.conn.readyState === "open");
    },
    accept(nsp: Nsp): void {
      takeHandshake(nsp).next();
    },
    deny(nsp: Nsp): void {
      takeHandshake(nsp).next(Object.assign(new Error("denied by middleware"), { data: { nsp } }));
    },
    /** The server disconnects the connected socket `id` of `nsp` ("io server disconnect"). */
    disconnect(nsp: Nsp, id: string | undefined): void {
      const socket = id === undefined ? undefined : server.io.of(nsp).sockets.get(id);
      if (!socket) throw new Error(`no server socket ${id} on ${nsp}`);
      socket.disconnect();
    },
    /** Whether the server holds a connected socket `id` on `nsp`. */
    hasSocket(nsp: Nsp, id: string | undefined): boolean {
      return id !== undefined && server.io.of(nsp).sockets.has(id);
    },
    /**
     * The server restarts: the socket.io server closes (every connection with
     * it) and a new one, which knows none of the old sessions, listens on the
     * same port (the gate keeps holding new connections meanwhile).
     */
    async restart(): Promise<void> {
      await server.close();
      handshakes["/a"] = [];
      handshakes["/b"] = [];
      heldAcks.length = 0;
      engines.length = 0;
      server = await startServer({ ...options, port });
      install();
    },
    /** The server pings the newest open connection. */
    ping(): void {
      const engine = engines.filter((candidate) => candidate.readyState === "open").at(-1);
      if (!engine) throw new Error("no open engine.io connection to ping");
      engine.sendPacket("ping");
    },
    /** How many "held" emissions the server received. */
    get held(): number {
      return heldAcks.length;
    },
    /** The server answers the latest "held" emission received on a connected socket. */
    answer(...args: unknown[]): void {
      const latest = heldAcks.filter(({ socket }) => socket.connected).at(-1);
      if (!latest?.ack) throw new Error("no held emission with an ack to answer on a connected socket");
      latest.ack(...args);
    },
    /** Forgets the handshakes of an earlier path. */
    reset(): void {
      heldAcks.length = 0;
      handshakes["/a"] = [];
      handshakes["/b"] = [];
      engines.length = 0;
    },
    close: () => server.close(),
  };
}
export type ModelServer = Awaited<ReturnType<typeof startModelServer>>;

/** Resolves once `predicate` holds, checking after each turn of the event loop; rejects after `ms`, naming `what`. */
export async function settle(predicate: () => boolean, what: () => string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let round = 0; !predicate(); round++) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    // the next turn of the event loop first, then 1 ms rounds: what it waits for is I/O
    await new Promise<void>((resolve) => (round < 20 ? setImmediate(resolve) : setTimeout(resolve, 1)));
  }
}

/**
 * A real Manager for one path: through a fresh gate to the server, over
 * WebSocket only (one TCP connection per engine), its timers on a TestClock.
 */
export async function startClient(server: ModelServer, options: Partial<ManagerOptions>) {
  server.reset();
  const gate = await startGate(server.port);
  const clock = new TestClock();
  const manager = clock.create(() => new Manager(gate.url, { transports: ["websocket"], ...options }));
  TestClock.realTimeFor(manager.engine);
  return {
    gate,
    clock,
    manager,
    /** Disconnects the Sockets, stops the Manager and closes the gate. */
    async close(sockets: { disconnect(): unknown }[]) {
      for (const socket of sockets) socket.disconnect();
      manager.reconnection(false);
      manager._close();
      await gate.close();
    },
  };
}
