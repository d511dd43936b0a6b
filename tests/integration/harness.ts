// Observation helpers of the integration tests: what the real server saw
// (engine connections, TCP connections, request URLs), a counting TCP relay,
// a TLS server, and the resources a Manager holds and the timers it arms.
import { createServer as createHttpsServer } from "node:https";
import { EventEmitter } from "node:events";
import net from "node:net";
import type { AddressInfo } from "node:net";
import type { IncomingMessage } from "node:http";
import { Server, type ServerOptions } from "socket.io";
import { connectionOf } from "../../src/connection.js";
import type { Manager } from "../../src/index.js";
import type { TestServer } from "../support/servers.js";

/** Counts the engine.io connections (one per low-level connection) the server accepted. */
export function countEngineConnections(server: Pick<TestServer, "io">) {
  const counter = { count: 0 };
  server.io.engine.on("connection", () => counter.count++);
  return counter;
}

/** The URL of every HTTP request and WebSocket upgrade request the server received. */
export function recordRequests(server: Pick<TestServer, "io">) {
  const requests: { kind: "request" | "upgrade"; url: string; headers: IncomingMessage["headers"] }[] = [];
  server.io.httpServer.on("request", (req: IncomingMessage) => requests.push({ kind: "request", url: req.url ?? "", headers: req.headers }));
  server.io.httpServer.on("upgrade", (req: IncomingMessage) => requests.push({ kind: "upgrade", url: req.url ?? "", headers: req.headers }));
  return requests;
}

/** The source address of the connections settle() opens to a TCP counter: clients connect from 127.0.0.1. */
const PROBE_ADDRESS = "127.0.0.2";

/**
 * A TCP relay that counts the connections clients open through it (refused
 * ones included, which a proxy in `refuse()` mode never forwards).
 */
export async function startTcpCounter(targetPort: number) {
  const open = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  let accepted = 0;
  /** The probes of settle() that reached the relay, by their port. */
  const probes = new Map<number, net.Socket>();
  const probeArrived = new EventEmitter();
  const server = net.createServer((client) => {
    if (client.remoteAddress === PROBE_ADDRESS) {
      probes.set(client.remotePort!, client);
      probeArrived.emit("probe");
      return;
    }
    accepted++;
    const upstream = net.connect(targetPort, "127.0.0.1");
    open.add(client);
    open.add(upstream);
    clients.add(client);
    client.on("close", () => clients.delete(client));
    client.pipe(upstream);
    upstream.pipe(client);
    for (const socket of [client, upstream]) {
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
      socket.on("close", () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    /** Connections opened so far. */
    get accepted() {
      return accepted;
    },
    /** Client connections open now. */
    get connections() {
      return clients.size;
    },
    /**
     * Resolves once a connection of the test's own (not counted) has gone
     * through: the relay accepts connections in the order they were opened,
     * so that every connection a client opened before this call is counted by then.
     */
    async settle(): Promise<void> {
      const probe = net.connect({ port, host: "127.0.0.1", localAddress: PROBE_ADDRESS });
      probe.on("error", () => {});
      await new Promise<void>((resolve) => probe.once("connect", resolve));
      while (!probes.has(probe.localPort!)) await new Promise((resolve) => probeArrived.once("probe", resolve));
      probes.get(probe.localPort!)!.destroy();
      probes.delete(probe.localPort!);
      probe.destroy();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// A self-signed certificate for 127.0.0.1 (valid until 2126), for wss:// tests.
export const TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgiU8Oco9d9NJ8RZ7r
+DW8ug+iCD5zMfhWilLeeM4OfzuhRANCAAQy348qbhj5EAErBZNvWaMDoLYBdTIf
1/UXY3IQh/bKOKdpgKpjPruGFsuAR8AKMHL1k/69zLsUqKiJHV8jU9X5
-----END PRIVATE KEY-----
`;
export const TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATagAwIBAgIUDnjBIPA/jRmhn4ie0e79VosA/2owCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMzA5MzUxM1oYDzIxMjYxMDMw
MDkzNTEzWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQy348qbhj5EAErBZNvWaMDoLYBdTIf1/UXY3IQh/bKOKdpgKpjPruG
FsuAR8AKMHL1k/69zLsUqKiJHV8jU9X5o2QwYjAdBgNVHQ4EFgQU1Pb9AWjSMM9d
1R5tTnpoTvFqb8kwHwYDVR0jBBgwFoAU1Pb9AWjSMM9d1R5tTnpoTvFqb8kwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC
IH1mkZcdUUIhdOuncxAumIyofgMUMpwkpAoZ5O8mb2psAiEAsgsgv6c951e3TwTY
8H4enplqAGwEgZ9olg1dOvp9oxU=
-----END CERTIFICATE-----
`;

/** A socket.io 4.8 server over TLS (https:// and wss://), with the certificate above or the one given. */
export async function startTlsServer(options: Partial<ServerOptions> = {}, credentials: { key: string; cert: string } = { key: TLS_KEY, cert: TLS_CERT }) {
  const https = createHttpsServer(credentials);
  const sockets = new Set<net.Socket>();
  https.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const io = new Server(https, options);
  await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
  const port = (https.address() as AddressInfo).port;
  return {
    io,
    port,
    close() {
      return new Promise<void>((resolve) => {
        io.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

/**
 * Watches the timers a Manager arms from now on (the machines' delays: the
 * connection timeout, the backoff wait; the ack timeouts): `pending` is how
 * many are armed and have neither fired nor been cleared. None pending, in a
 * state no outside event moves, means nothing will happen later.
 */
export function watchTimers(manager: Manager) {
  const timers = connectionOf(manager).timers;
  const { setTimeoutFn, clearTimeoutFn } = timers;
  const pending = new Set<unknown>();
  timers.setTimeoutFn = ((fn: (...args: unknown[]) => void, ms: number, ...args: unknown[]) => {
    const handle = setTimeoutFn((...a: unknown[]) => {
      pending.delete(handle);
      fn(...a);
    }, ms, ...args);
    pending.add(handle);
    return handle;
  }) as typeof setTimeout;
  timers.clearTimeoutFn = ((handle: Parameters<typeof clearTimeout>[0]) => {
    pending.delete(handle);
    clearTimeoutFn(handle);
  }) as typeof clearTimeout;
  return {
    get pending() {
      return pending.size;
    },
    /** The timers armed and still pending (Node.js Timeout objects). */
    get handles() {
      return [...pending] as NodeJS.Timeout[];
    },
  };
}

/** The ids of the Manager actor's children (its namespace actors' ids, plus `transport` or `backoff` while they run). */
export function childrenOf(manager: Manager): string[] {
  const snapshot = manager.actor.getSnapshot();
  return [...snapshot.context.namespaces.keys(), ...Object.keys(snapshot.children)];
}

/** The delay the running backoff actor drew for the wait in progress, or undefined when not waiting. */
export function currentBackoffDelay(manager: Manager): number | undefined {
  const backoff = (manager.actor.getSnapshot().children as Record<string, BackoffRef | undefined>).backoff;
  return backoff?.getSnapshot().context.delay;
}

/**
 * The delay of every backoff wait of a Manager, in order, as each wait starts
 * (read from the backoff actor the connection actor invokes).
 */
export function recordBackoffDelays(manager: Manager): number[] {
  const delays: number[] = [];
  let last: unknown;
  manager.actor.subscribe((snapshot) => {
    const backoff = (snapshot.children as Record<string, BackoffRef | undefined>).backoff;
    // the last backoff decides to give up at once: it has no wait
    if (backoff && backoff !== last && backoff.getSnapshot().value === "waiting") delays.push(backoff.getSnapshot().context.delay);
    last = backoff;
  });
  return delays;
}

type BackoffRef = { getSnapshot(): { value: unknown; context: { delay: number } } };

/** Every event of `names` an emitter emits, in order, as [name, ...args]. */
export function recordSequence(
  emitter: { on(event: any, fn: (...args: any[]) => void): unknown },
  names: readonly string[],
  into: unknown[][] = [],
): unknown[][] {
  for (const name of names) emitter.on(name, (...args: unknown[]) => into.push([name, ...args]));
  return into;
}

