// Real servers for the tests: socket.io 4.8 on 127.0.0.1 (ephemeral port), a
// raw engine.io server to send arbitrary packets, a TCP proxy in front of a
// server for network faults, and ports where nothing answers.
import { createServer, type RequestListener, type Server as HttpServer } from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { Server, type ServerOptions, type Socket as ServerSocket } from "socket.io";

// engine.io comes with socket.io; its types are not a direct dependency
type EngineServer = { attach(server: HttpServer, options: object): void; close(): void; on(event: string, fn: (...args: any[]) => void): void };

export async function listen(server: net.Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

function trackSockets(server: net.Server) {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return sockets;
}

export interface TestServer {
  io: Server;
  port: number;
  url: string;
  /** TCP connections open to it now. */
  readonly connections: number;
  close(): Promise<void>;
}

export type StartOptions = Partial<ServerOptions> & {
  port?: number;
  /** Answers the HTTP requests outside the socket.io path; a 404 by default. */
  handler?: RequestListener;
};

/** A socket.io 4.8 server. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const { port: wanted, handler, ...serverOptions } = options;
  const http = createServer(
    handler ??
      ((_req, res) => {
        res.writeHead(404);
        res.end();
      }),
  );
  const sockets = trackSockets(http);
  const io = new Server(http, serverOptions);
  const port = await listen(http, wanted);
  let closing: Promise<void> | undefined;
  return {
    io,
    port,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return sockets.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        io.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/**
 * A server with the behaviours most tests need, on "/" and on any namespace
 * named like "/users" or "/admin":
 * - "echo" (...args, ack): acks with the same arguments
 * - "never-ack": never acknowledged
 * - "late-ack" (ms, ...args, ack): acks after ms
 * - "disconnect-me": the server disconnects the socket ("io server disconnect")
 * - "close-transport": the server closes the low-level connection ("transport close")
 * `received` records every event the server gets, per event name.
 */
export async function startEchoServer(options: StartOptions = {}) {
  const server = await startServer(options);
  const received = new Map<string, unknown[][]>();
  const onConnection = (socket: ServerSocket) => {
    socket.onAny((name: string, ...args: unknown[]) => {
      const list = received.get(name) ?? [];
      list.push(args.filter((arg) => typeof arg !== "function"));
      received.set(name, list);
    });
    socket.on("echo", (...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") ack(...args);
    });
    socket.on("late-ack", (ms: number, ...args: unknown[]) => {
      const ack = args.pop();
      if (typeof ack === "function") setTimeout(() => ack(...args), ms);
    });
    socket.on("disconnect-me", () => socket.disconnect());
    socket.on("close-transport", () => socket.conn.close());
  };
  server.io.on("connection", onConnection);
  server.io.of(/^\/[\w-]+$/).on("connection", onConnection);
  return Object.assign(server, {
    /** The argument lists of every `name` event the server received (acks removed). */
    received(name: string): unknown[][] {
      let list = received.get(name);
      if (!list) received.set(name, (list = []));
      return list;
    },
    /** The server-side socket of a connected client socket. */
    serverSocket(id: string | undefined, nsp = "/"): ServerSocket {
      const socket = id === undefined ? undefined : server.io.of(nsp).sockets.get(id);
      if (!socket) throw new Error(`no server-side socket ${id} on ${nsp}`);
      return socket;
    },
  });
}
export type EchoServer = Awaited<ReturnType<typeof startEchoServer>>;

/**
 * A raw engine.io server on the socket.io path: the test plays the socket.io
 * server by hand, so that it can send malformed or hostile packets.
 */
export async function startEngineServer(onConnection: (socket: any) => void, options: object = {}) {
  const { Server: EngineIoServer } = (await import("engine.io")) as unknown as { Server: new (opts: object) => EngineServer };
  const http = createServer();
  const sockets = trackSockets(http);
  const engine = new EngineIoServer({ pingInterval: 5000, pingTimeout: 5000, ...options });
  engine.attach(http, { path: "/socket.io/" });
  engine.on("connection", onConnection);
  const port = await listen(http);
  return {
    engine,
    port,
    url: `http://127.0.0.1:${port}`,
    async close() {
      engine.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** A port where nothing listens: connections are refused. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TCP server that accepts connections and never answers. */
export function startSilentServer() {
  return startMuteServer(() => {});
}

/**
 * A TCP server that accepts connections, reads everything and never answers.
 * Unlike startSilentServer (which never reads, so it never sees a client's
 * FIN), it sees a connection end as soon as the client closes it.
 */
export function startBlackHoleServer() {
  return startMuteServer((socket) => socket.resume());
}

async function startMuteServer(onConnection: (socket: net.Socket) => void) {
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    onConnection(socket);
  });
  const sockets = trackSockets(server);
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return sockets.size;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A TCP proxy in front of a port, for network faults:
 * - cut(): destroys every connection at once (a network cut);
 * - stall(): keeps connections open but lets nothing through, not even closes;
 * - resume(): lets traffic through again;
 * - refuse(): new connections are closed at once (the server looks down).
 */
export async function startProxy(targetPort: number) {
  const pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  let stalled = false;
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, "127.0.0.1");
    const pair = { client, upstream };
    pairs.add(pair);
    client.on("data", (data) => {
      if (!stalled) upstream.write(data);
    });
    upstream.on("data", (data) => {
      if (!stalled) client.write(data);
    });
    const end = () => {
      if (stalled) return;
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on("error", end);
      socket.on("close", end);
    }
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return pairs.size;
    },
    cut() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
    },
    refuse(value = true) {
      refusing = value;
    },
    async close() {
      stalled = false;
      this.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
export type Proxy = Awaited<ReturnType<typeof startProxy>>;
