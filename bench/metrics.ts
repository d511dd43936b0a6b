// What the bench measures: the trial parameters of a quick and a full run, and
// every metric it reports (shared by run.ts, which produces them, and
// smoke.ts, which checks that each one got a number).
import type { TrialName, TrialParams } from "./worker.js";

export type Better = "higher" | "lower";
/** A trial group as named by --only: a worker trial, or the bundle build. */
export type Group = TrialName | "bundle";

export interface Metric {
  key: string;
  group: Group;
  label: string;
  unit: string;
  better: Better;
}

export const QUICK_PARAMS: TrialParams = {
  segments: 3,
  emitEvents: 30_000,
  emitWarmup: 10_000,
  emitChunk: 1000,
  ackCount: 3000,
  ackWarmup: 500,
  ackWindow: 100,
  ackTimeoutMs: 5000,
  connectCount: 15,
  connectWarmup: 2,
  heapSockets: 100,
  heapSocketBatch: 50,
  // a pending plain ack is a few bytes: fewer would leave the figure in the GC's noise
  heapAcks: 50_000,
  manySockets: 200,
  manyManagers: 200,
};

export const FULL_PARAMS: TrialParams = {
  segments: 5,
  emitEvents: 150_000,
  emitWarmup: 20_000,
  emitChunk: 1000,
  ackCount: 15_000,
  ackWarmup: 2000,
  ackWindow: 100,
  ackTimeoutMs: 5000,
  connectCount: 100,
  connectWarmup: 5,
  heapSockets: 300,
  heapSocketBatch: 50,
  heapAcks: 100_000,
  manySockets: 1000,
  manyManagers: 1000,
};

const count = (n: number) => n.toLocaleString("en-US");

export function metricsFor(p: TrialParams): Metric[] {
  const w = p.ackWindow;
  const t = `timeout(${p.ackTimeoutMs / 1000}s)`;
  const m = (group: Group, key: string, label: string, unit: string, better: Better): Metric => ({ key, group, label, unit, better });
  return [
    m("emit", "emit.eventsPerSec", "emit fire-and-forget (WebSocket)", "events/s", "higher"),
    m("emit", "emit.cpuNsPerEvent", "emit fire-and-forget: client CPU per event", "ns", "lower"),
    m("ack", "ack.seq.p50Us", "ack round trip, sequential: p50", "µs", "lower"),
    m("ack", "ack.seq.p99Us", "ack round trip, sequential: p99", "µs", "lower"),
    m("ack", "ack.window.opsPerSec", `acks, ${w} in flight: throughput`, "acks/s", "higher"),
    m("ack", "ack.window.p99Us", `acks, ${w} in flight: p99 round trip`, "µs", "lower"),
    m("ack", "ack.window.cpuUsPerOp", `acks, ${w} in flight: client CPU per ack`, "µs", "lower"),
    m("ack", "emitWithAck.window.opsPerSec", `emitWithAck, ${w} in flight: throughput`, "acks/s", "higher"),
    m("ack", "emitWithAck.window.cpuUsPerOp", `emitWithAck, ${w} in flight: client CPU per ack`, "µs", "lower"),
    m("ackTimeout", "timeoutAck.seq.p50Us", `${t} ack, sequential: p50`, "µs", "lower"),
    m("ackTimeout", "timeoutAck.seq.p99Us", `${t} ack, sequential: p99`, "µs", "lower"),
    m("ackTimeout", "timeoutAck.window.opsPerSec", `${t} acks, ${w} in flight: throughput`, "acks/s", "higher"),
    m("ackTimeout", "timeoutAck.window.cpuUsPerOp", `${t} acks, ${w} in flight: client CPU per ack`, "µs", "lower"),
    m("ackTimeout", "timeoutEmitWithAck.window.opsPerSec", `${t}.emitWithAck, ${w} in flight: throughput`, "acks/s", "higher"),
    m("ackTimeout", "timeoutEmitWithAck.window.cpuUsPerOp", `${t}.emitWithAck, ${w} in flight: client CPU per ack`, "µs", "lower"),
    m("connect", "connect.websocket.p50Ms", "connect, WebSocket: p50", "ms", "lower"),
    m("connect", "connect.websocket.meanMs", "connect, WebSocket: mean", "ms", "lower"),
    m("connect", "connect.polling.p50Ms", "connect, polling + upgrade: to connect, p50", "ms", "lower"),
    m("connect", "connect.upgraded.p50Ms", "connect, polling + upgrade: to upgraded, p50", "ms", "lower"),
    m("heapSockets", "heap.bytesPerSocket", "heap per connected Socket (own Manager)", "bytes", "lower"),
    m("heapAcks", "heap.bytesPerPendingAck", "heap per pending ack", "bytes", "lower"),
    m("heapAcks", "heap.bytesPerPendingTimeoutAck", "heap per pending timeout(60s) ack", "bytes", "lower"),
    m("manySockets", "manySockets.connectAllMs", `${count(p.manySockets)} sockets on one Manager: connect all`, "ms", "lower"),
    m("manySockets", "manySockets.heapBytesPerSocket", `${count(p.manySockets)} sockets on one Manager: heap per socket`, "bytes", "lower"),
    m("manyManagers", "manyManagers.connectAllMs", `${count(p.manyManagers)} Managers: connect all`, "ms", "lower"),
    m("manyManagers", "manyManagers.heapBytesPerManager", `${count(p.manyManagers)} Managers: heap per Manager`, "bytes", "lower"),
    m("bundle", "bundle.minBytes", "browser bundle of io: minified", "bytes", "lower"),
    m("bundle", "bundle.gzipBytes", "browser bundle of io: minified + gzip -9", "bytes", "lower"),
  ];
}

/** The groups the design's floor (bench/floor-client.ts) takes part in: it only connects. */
export const FLOOR_GROUPS: readonly Group[] = ["connect", "heapSockets", "bundle"];

/** The worker trials, in the order each round runs them (heap trials first, while the machine is calm). */
export const TRIAL_ORDER: TrialName[] = [
  "heapAcks",
  "heapSockets",
  "manySockets",
  "manyManagers",
  "emit",
  "ack",
  "ackTimeout",
  "connect",
];
