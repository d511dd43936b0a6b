// One trial of one client in one fresh process. run.ts compiles this file to
// plain JavaScript and forks it with --expose-gc (no TypeScript loader between
// the client and the measurement), sends it one TrialJob over IPC, and gets
// one TrialReply back; then the process exits. A fresh process per trial keeps
// the heap, the JIT state and the sockets of one client or trial out of the
// next one.
import { performance } from "node:perf_hooks";
import type * as Official from "socket.io-client";

/** Both clients are driven through the official client's API (ours is a drop-in replacement). */
type ClientModule = Pick<typeof Official, "io" | "Manager">;
type ClientSocket = Official.Socket;

export interface TrialParams {
  /** Throughput and CPU figures are the median over this many back-to-back segments. */
  segments: number;
  emitEvents: number;
  emitWarmup: number;
  /** Events emitted per event-loop turn, so that the transport drains while we produce. */
  emitChunk: number;
  ackCount: number;
  ackWarmup: number;
  ackWindow: number;
  ackTimeoutMs: number;
  connectCount: number;
  connectWarmup: number;
  /** After the connect trial's other phases: this many more connects unmeasured, then `connectCount` measured again (the JIT done). */
  connectSteadyWarmup: number;
  heapSockets: number;
  heapSocketBatch: number;
  heapAcks: number;
  /** Sockets (namespaces) multiplexed on one Manager. */
  manySockets: number;
  /** Managers, one WebSocket connection each. */
  manyManagers: number;
}

export type TrialName =
  | "probe"
  | "emit"
  | "receive"
  | "ack"
  | "ackTimeout"
  | "connect"
  | "heapSockets"
  | "heapAcks"
  | "manySockets"
  | "manyManagers";

export interface TrialJob {
  /** file: URL of the client's entry module, resolved by run.ts. */
  clientModule: string;
  trial: TrialName;
  url: string;
  params: TrialParams;
  deadlineMs: number;
}

export type TrialReply = { ok: true; metrics: Record<string, number>; ms: number } | { ok: false; error: string };

const PAYLOAD = "payload-16-bytes";
const LONG_TIMEOUT_MS = 60_000;
/** Time left to a disconnect's closing handshake before a CPU reading. */
const CLOSE_SETTLE_MS = 10;
const now = () => performance.now();
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ------------------------------------------------------------ statistics

function median(values: ArrayLike<number>): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/**
 * Connects and disconnects one Socket at a time, `p.connectCount` times in
 * `p.segments` back-to-back segments, each ending once the last disconnect
 * has had time to finish (the wait costs no CPU). Writes each connect's
 * latency to `latencies`; returns the process's CPU time per connect +
 * disconnect, the median over segments.
 */
async function connectCycles(client: ClientModule, url: string, p: TrialParams, latencies: Float64Array): Promise<number> {
  const perSegment = Math.max(1, Math.floor(p.connectCount / p.segments));
  const cpuPerCycle: number[] = [];
  for (let s = 0; s * perSegment < p.connectCount; s++) {
    const end = Math.min(p.connectCount, (s + 1) * perSegment);
    const cpu = process.cpuUsage();
    for (let i = s * perSegment; i < end; i++) {
      const start = now();
      const socket = await connectSocket(client, url, ["websocket"]);
      latencies[i] = now() - start;
      close(socket);
    }
    await sleep(CLOSE_SETTLE_MS);
    cpuPerCycle.push(cpuMicros(cpu) / (end - s * perSegment));
  }
  return median(cpuPerCycle);
}

/** Throughput and CPU per operation as the median over segments (a stall from another process spoils one segment, not the figure); latency percentiles over all operations. */
async function segmented(
  count: number,
  segments: number,
  runSegment: (n: number) => Promise<Float64Array | void>,
): Promise<{ opsPerSec: number; cpuUsPerOp: number; p50Us: number; p99Us: number }> {
  const n = Math.max(1, Math.floor(count / segments));
  const rates: number[] = [];
  const cpuPerOp: number[] = [];
  const latencies: number[] = [];
  for (let s = 0; s < segments; s++) {
    const cpu = process.cpuUsage();
    const start = now();
    const segmentLatencies = await runSegment(n);
    rates.push((n / (now() - start)) * 1000);
    cpuPerOp.push(cpuMicros(cpu) / n);
    if (segmentLatencies) for (const ms of segmentLatencies) latencies.push(ms);
  }
  return {
    opsPerSec: median(rates),
    cpuUsPerOp: median(cpuPerOp),
    p50Us: latencies.length ? percentile(latencies, 50) * 1000 : NaN,
    p99Us: latencies.length ? percentile(latencies, 99) * 1000 : NaN,
  };
}

async function fullGc(): Promise<void> {
  const gc = globalThis.gc;
  if (!gc) throw new Error("the worker needs --expose-gc");
  gc();
  await nextTurn(); // weak callbacks and finalizers run, then what they freed is collected
  gc();
  await sleep(10);
  gc();
}

const heapUsed = () => process.memoryUsage().heapUsed;

// ------------------------------------------------------------ connections

const opened = new Set<ClientSocket>();

function whenConnected(socket: ClientSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      socket.off("connect_error", onError);
      resolve();
    };
    const onError = (err: Error) => {
      socket.off("connect", onConnect);
      reject(new Error(`connect_error: ${err.message}`));
    };
    socket.once("connect", onConnect);
    socket.once("connect_error", onError);
  });
}

function openSocket(client: ClientModule, url: string, transports: string[]): ClientSocket {
  const socket = client.io(url, { forceNew: true, reconnection: false, timeout: 20_000, transports });
  opened.add(socket);
  return socket;
}

async function connectSocket(client: ClientModule, url: string, transports = ["websocket"]): Promise<ClientSocket> {
  const socket = openSocket(client, url, transports);
  await whenConnected(socket);
  return socket;
}

function close(socket: ClientSocket): void {
  opened.delete(socket);
  socket.disconnect();
}

function serverDone(socket: ClientSocket): Promise<number> {
  return new Promise((resolve) => socket.once("done", resolve));
}

// ------------------------------------------------------------ operations

/** Fire-and-forget events, `chunk` per event-loop turn, until the server has counted all of them. */
async function streamEvents(socket: ClientSocket, n: number, chunk: number): Promise<void> {
  const done = serverDone(socket);
  socket.emit("target", n);
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + chunk);
    for (; i < end; i++) socket.emit("e", i, PAYLOAD);
    await nextTurn();
  }
  await done;
}

/** Asks the server for `n` events "r", `chunk` per event-loop turn, and resolves when all have arrived. */
function receiveEvents(socket: ClientSocket, n: number, chunk: number): Promise<void> {
  return new Promise((resolve) => {
    let received = 0;
    const onEvent = (_i: number, _payload: string) => {
      if (++received !== n) return;
      socket.off("r", onEvent);
      resolve();
    };
    socket.on("r", onEvent);
    socket.emit("stream", n, chunk);
  });
}

/** Sends ack request `i` and calls `onAck(error, value)` when it completes. */
type AckSender = (i: number, onAck: (error: Error | null, value: unknown) => void) => void;

const plainAck =
  (socket: ClientSocket): AckSender =>
  (i, onAck) =>
    socket.emit("ping", i, (value: unknown) => onAck(null, value));

const timeoutAck =
  (socket: ClientSocket, ms: number): AckSender =>
  (i, onAck) =>
    socket.timeout(ms).emit("ping", i, (error: Error | null, value: unknown) => onAck(error, value));

const promiseAck =
  (socket: ClientSocket, ms: number | undefined): AckSender =>
  (i, onAck) => {
    const emitter = ms === undefined ? socket : socket.timeout(ms);
    emitter.emitWithAck("ping", i).then(
      (value: unknown) => onAck(null, value),
      (error: Error) => onAck(error, undefined),
    );
  };

/** `window` acknowledgements in flight (1 = sequential); each completion issues the next. Resolves with every round-trip time (ms). */
function ackRun(send: AckSender, n: number, window: number): Promise<Float64Array> {
  return new Promise((resolve, reject) => {
    const latencies = new Float64Array(n);
    const sentAt = new Float64Array(n);
    let issued = 0;
    let completed = 0;
    const issue = () => {
      const i = issued++;
      sentAt[i] = now();
      send(i, (error, value) => {
        latencies[i] = now() - sentAt[i]!;
        if (error) return reject(error);
        if (value !== i) return reject(new Error(`ack ${i} answered ${String(value)}`));
        if (++completed === n) resolve(latencies);
        else if (issued < n) issue();
      });
    };
    for (let k = 0; k < Math.min(window, n); k++) issue();
  });
}

function named(prefix: string, figures: Record<string, number>, keep: string[]): Record<string, number> {
  return Object.fromEntries(keep.map((key) => [`${prefix}.${key}`, figures[key]!]));
}

// ------------------------------------------------------------ trials

type Trial = (client: ClientModule, url: string, p: TrialParams) => Promise<Record<string, number>>;

/** Callback acks one at a time and 100 in flight, then emitWithAck 100 in flight; with `timeoutMs`, through timeout(). */
async function ackRuns(client: ClientModule, url: string, p: TrialParams, timeoutMs: number | undefined) {
  const socket = await connectSocket(client, url);
  const send = timeoutMs === undefined ? plainAck(socket) : timeoutAck(socket, timeoutMs);
  const sendPromise = promiseAck(socket, timeoutMs);
  await ackRun(send, p.ackWarmup, 1);
  await ackRun(send, p.ackWarmup, p.ackWindow);
  await ackRun(sendPromise, p.ackWarmup, p.ackWindow);
  const sequential = await segmented(p.ackCount, p.segments, (n) => ackRun(send, n, 1));
  const inFlight = await segmented(p.ackCount, p.segments, (n) => ackRun(send, n, p.ackWindow));
  const withAck = await segmented(p.ackCount, p.segments, (n) => ackRun(sendPromise, n, p.ackWindow));
  close(socket);
  return { sequential, inFlight, withAck };
}

const trials: Record<TrialName, Trial> = {
  // preflight: the client loads, connects, gets an ack and disconnects
  async probe(client, url) {
    const socket = await connectSocket(client, url);
    await ackRun(plainAck(socket), 1, 1);
    close(socket);
    return {};
  },

  async emit(client, url, p) {
    const socket = await connectSocket(client, url);
    await streamEvents(socket, p.emitWarmup, p.emitChunk);
    const r = await segmented(p.emitEvents, p.segments, (n) => streamEvents(socket, n, p.emitChunk));
    close(socket);
    return { "emit.eventsPerSec": r.opsPerSec, "emit.cpuNsPerEvent": r.cpuUsPerOp * 1000 };
  },

  // the server streams events to the client: the most common direction in real apps
  async receive(client, url, p) {
    const socket = await connectSocket(client, url);
    await receiveEvents(socket, p.emitWarmup, p.emitChunk);
    const r = await segmented(p.emitEvents, p.segments, (n) => receiveEvents(socket, n, p.emitChunk));
    close(socket);
    return { "receive.eventsPerSec": r.opsPerSec, "receive.cpuNsPerEvent": r.cpuUsPerOp * 1000 };
  },

  async ack(client, url, p) {
    const runs = await ackRuns(client, url, p, undefined);
    const figures = ["opsPerSec", "p99Us", "cpuUsPerOp"];
    return {
      ...named("ack.seq", runs.sequential, ["p50Us", ...figures]),
      ...named("ack.window", runs.inFlight, figures),
      ...named("emitWithAck.window", runs.withAck, figures),
    };
  },

  async ackTimeout(client, url, p) {
    const runs = await ackRuns(client, url, p, p.ackTimeoutMs);
    const figures = ["opsPerSec", "p99Us", "cpuUsPerOp"];
    return {
      ...named("timeoutAck.seq", runs.sequential, ["p50Us", ...figures]),
      ...named("timeoutAck.window", runs.inFlight, figures),
      ...named("timeoutEmitWithAck.window", runs.withAck, figures),
    };
  },

  async connect(client, url, p) {
    const out: Record<string, number> = {};
    for (let i = 0; i < p.connectWarmup; i++) close(await connectSocket(client, url, ["websocket"]));
    await sleep(CLOSE_SETTLE_MS);
    const websocket = new Float64Array(p.connectCount);
    out["connect.cpuUsPerCycle"] = await connectCycles(client, url, p, websocket);
    out["connect.websocket.p50Ms"] = percentile(websocket, 50);
    out["connect.websocket.meanMs"] = websocket.reduce((a, b) => a + b, 0) / p.connectCount;

    const upgradeOf = (socket: ClientSocket) =>
      new Promise<void>((resolve) =>
        socket.io.once("open", () => {
          const engine = socket.io.engine;
          if (engine.transport.name === "websocket") resolve();
          else engine.once("upgrade", () => resolve());
        }),
      );
    const connected = new Float64Array(p.connectCount);
    const upgraded = new Float64Array(p.connectCount);
    for (let i = -p.connectWarmup; i < p.connectCount; i++) {
      const start = now();
      const socket = openSocket(client, url, ["polling", "websocket"]);
      const upgrade = upgradeOf(socket);
      await whenConnected(socket);
      const connectedAfter = now() - start;
      await upgrade;
      const upgradedAfter = now() - start;
      close(socket);
      if (i >= 0) {
        connected[i] = connectedAfter;
        upgraded[i] = upgradedAfter;
      }
    }
    out["connect.polling.p50Ms"] = percentile(connected, 50);
    out["connect.upgraded.p50Ms"] = percentile(upgraded, 50);

    // the same cycles once every connect path has run hundreds of times:
    // what a connection costs when the JIT's compiler threads are done with it
    for (let i = 0; i < p.connectSteadyWarmup; i++) close(await connectSocket(client, url, ["websocket"]));
    await sleep(CLOSE_SETTLE_MS);
    out["connect.steadyCpuUsPerCycle"] = await connectCycles(client, url, p, new Float64Array(p.connectCount));
    return out;
  },

  // one Socket on its own Manager (the io(url) case), connected over WebSocket
  async heapSockets(client, url, p) {
    close(await connectSocket(client, url)); // every lazily initialised path runs once before the baseline
    await sleep(20);
    await fullGc();
    const before = heapUsed();
    const sockets: ClientSocket[] = [];
    for (let i = 0; i < p.heapSockets; i += p.heapSocketBatch) {
      const batch = Math.min(p.heapSocketBatch, p.heapSockets - i);
      sockets.push(...(await Promise.all(Array.from({ length: batch }, () => connectSocket(client, url)))));
    }
    await sleep(20);
    await fullGc();
    const perSocket = (heapUsed() - before) / p.heapSockets;
    for (const socket of sockets) close(socket);
    return { "heap.bytesPerSocket": perSocket };
  },

  // acknowledgements the server never sends: what an outstanding ack costs
  async heapAcks(client, url, p) {
    const socket = await connectSocket(client, url);
    await ackRun(plainAck(socket), 200, 10);
    await ackRun(timeoutAck(socket, LONG_TIMEOUT_MS), 200, 10);
    let calledBack = 0;
    const neverCalled = () => calledBack++;
    const pendingHeap = async (emitOne: (i: number) => void) => {
      await fullGc();
      const before = heapUsed();
      const done = serverDone(socket);
      socket.emit("target", p.heapAcks);
      for (let i = 0; i < p.heapAcks; ) {
        const end = Math.min(p.heapAcks, i + 1000);
        for (; i < end; i++) emitOne(i);
        await nextTurn();
      }
      await done; // every request has left the client
      await fullGc();
      return (heapUsed() - before) / p.heapAcks;
    };
    const plain = await pendingHeap((i) => socket.emit("blackhole", i, neverCalled));
    const withTimeout = await pendingHeap((i) => socket.timeout(LONG_TIMEOUT_MS).emit("blackhole", i, neverCalled));
    if (calledBack !== 0) throw new Error(`${calledBack} callbacks of never-acknowledged emits were called`);
    close(socket);
    return { "heap.bytesPerPendingAck": plain, "heap.bytesPerPendingTimeoutAck": withTimeout };
  },

  // N namespaces multiplexed on one Manager (one WebSocket connection)
  async manySockets(client, url, p) {
    const connectNamespaces = async (count: number, prefix: string) => {
      const manager = new client.Manager(url, { transports: ["websocket"], reconnection: false, timeout: 20_000 });
      const sockets = Array.from({ length: count }, (_, i) => manager.socket(`/${prefix}${i}`));
      for (const socket of sockets) opened.add(socket);
      await Promise.all(sockets.map(whenConnected));
      return sockets;
    };
    // each run on a new Manager with new namespaces (new on the server too),
    // after the previous run's sockets are closed and collected
    const timed = async (count: number, prefix: string) => {
      await sleep(50);
      await fullGc();
      const start = now();
      const sockets = await connectNamespaces(count, prefix);
      const ms = now() - start;
      for (const socket of sockets) close(socket);
      return ms;
    };
    // a warm-up as large as the measured run: the first hundreds of namespaces
    // run cold code
    await timed(p.manySockets, "warm");
    await sleep(50);
    await fullGc();
    const before = heapUsed();
    const start = now();
    const sockets = await connectNamespaces(p.manySockets, "a");
    const msN1 = now() - start;
    await fullGc();
    const perSocket = (heapUsed() - before) / p.manySockets;
    for (const socket of sockets) close(socket);
    // N, 2N, N: the N figure is the mean of the runs either side of 2N, so that
    // a drift within the process (JIT still warming, a growing heap) does not
    // bias time(2N)/time(N), which is 2 when the cost is linear
    const ms2N = await timed(2 * p.manySockets, "b");
    const msN2 = await timed(p.manySockets, "c");
    const msN = (msN1 + msN2) / 2;
    return {
      "manySockets.connectAllMs": msN,
      "manySockets.heapBytesPerSocket": perSocket,
      "manySockets.connectAll2NMs": ms2N,
      "manySockets.scale2N": ms2N / msN,
    };
  },

  // N Managers (forceNew), one WebSocket connection each, all opened at once
  async manyManagers(client, url, p) {
    const connectAll = (count: number) =>
      Promise.all(Array.from({ length: count }, () => connectSocket(client, url, ["websocket"])));
    for (const socket of await connectAll(20)) close(socket);
    await sleep(20);
    await fullGc();
    const before = heapUsed();
    const start = now();
    const sockets = await connectAll(p.manyManagers);
    const ms = now() - start;
    await fullGc();
    const perManager = (heapUsed() - before) / p.manyManagers;
    for (const socket of sockets) close(socket);
    return { "manyManagers.connectAllMs": ms, "manyManagers.heapBytesPerManager": perManager };
  },
};

// ------------------------------------------------------------ IPC

function reply(message: TrialReply): Promise<void> {
  return new Promise((resolve) => (process.connected ? process.send!(message, () => resolve()) : resolve()));
}

async function finish(message: TrialReply, code: number): Promise<never> {
  for (const socket of opened) socket.disconnect();
  await reply(message);
  await sleep(20); // the close frames leave before the process does
  process.exit(code);
}

const failed = (error: unknown) => finish({ ok: false, error: String((error as Error)?.stack ?? error) }, 1);

process.on("disconnect", () => process.exit(1)); // the orchestrator is gone: never linger
process.on("uncaughtException", failed);
process.on("unhandledRejection", failed);
process.once("message", async (job: TrialJob) => {
  const deadline = setTimeout(() => failed(new Error(`trial ${job.trial} overran its ${job.deadlineMs} ms deadline`)), job.deadlineMs);
  try {
    const client = (await import(job.clientModule)) as ClientModule;
    if (typeof client.io !== "function" || typeof client.Manager !== "function") {
      throw new Error(`${job.clientModule} exports no io() or Manager`);
    }
    const start = now();
    const metrics = await trials[job.trial](client, job.url, job.params);
    clearTimeout(deadline);
    await finish({ ok: true, metrics, ms: now() - start }, 0);
  } catch (error) {
    await failed(error);
  }
});
