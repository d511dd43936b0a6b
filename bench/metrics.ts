// What the bench measures: the trial parameters of a quick and a full run,
// every metric it reports, which client takes part in which trial group, and
// the targets (shared by run.ts, which produces them, and smoke.ts,
// which checks that each one got a number).
import type { TrialName, TrialParams } from "./worker.js";

export type Better = "higher" | "lower";
/** A trial group as named by --only: a worker trial, or the bundle build. */
export type Group = TrialName | "bundle";
export type ClientName = "ours" | "official" | "floor" | "raw";

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
  // enough for the JIT to have compiled every ack path (its compiler threads count as client CPU)
  ackWarmup: 1500,
  ackWindow: 100,
  ackTimeoutMs: 5000,
  connectCount: 15,
  // the CPU per connect counts the JIT's compiler threads too: warm up first
  connectWarmup: 5,
  connectSteadyWarmup: 20,
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
  connectWarmup: 20,
  // after the trial's 2 × 120 connects: enough for the optimizing compilers to be done
  connectSteadyWarmup: 200,
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
  /** Throughput, p99 round trip and client CPU per ack of one way of sending acks (and the p50 when sequential). */
  const ackMetrics = (group: Group, prefix: string, label: string, sequential = false): Metric[] => [
    ...(sequential ? [m(group, `${prefix}.p50Us`, `${label}: p50 round trip`, "µs", "lower")] : []),
    m(group, `${prefix}.p99Us`, `${label}: p99 round trip`, "µs", "lower"),
    m(group, `${prefix}.opsPerSec`, `${label}: throughput`, "acks/s", "higher"),
    m(group, `${prefix}.cpuUsPerOp`, `${label}: client CPU per ack`, "µs", "lower"),
  ];
  return [
    m("emit", "emit.eventsPerSec", "emit fire-and-forget (WebSocket)", "events/s", "higher"),
    m("emit", "emit.cpuNsPerEvent", "emit fire-and-forget: client CPU per event", "ns", "lower"),
    m("receive", "receive.eventsPerSec", "receive, server streams events (WebSocket)", "events/s", "higher"),
    m("receive", "receive.cpuNsPerEvent", "receive: client CPU per event", "ns", "lower"),
    ...ackMetrics("ack", "ack.seq", "ack, sequential", true),
    ...ackMetrics("ack", "ack.window", `acks, ${w} in flight`),
    ...ackMetrics("ack", "emitWithAck.window", `emitWithAck, ${w} in flight`),
    ...ackMetrics("ackTimeout", "timeoutAck.seq", `${t} ack, sequential`, true),
    ...ackMetrics("ackTimeout", "timeoutAck.window", `${t} acks, ${w} in flight`),
    ...ackMetrics("ackTimeout", "timeoutEmitWithAck.window", `${t}.emitWithAck, ${w} in flight`),
    m("connect", "connect.websocket.p50Ms", "connect, WebSocket: p50", "ms", "lower"),
    m("connect", "connect.websocket.meanMs", "connect, WebSocket: mean", "ms", "lower"),
    m("connect", "connect.cpuUsPerCycle", "connect + disconnect, WebSocket: client CPU", "µs", "lower"),
    m("connect", "connect.steadyCpuUsPerCycle", `connect + disconnect, WebSocket: client CPU after ${count(2 * (p.connectWarmup + p.connectCount) + p.connectSteadyWarmup)} connects`, "µs", "lower"),
    m("connect", "connect.polling.p50Ms", "connect, polling + upgrade: to connect, p50", "ms", "lower"),
    m("connect", "connect.upgraded.p50Ms", "connect, polling + upgrade: to upgraded, p50", "ms", "lower"),
    m("heapSockets", "heap.bytesPerSocket", "heap per connected Socket (own Manager)", "bytes", "lower"),
    m("heapAcks", "heap.bytesPerPendingAck", "heap per pending ack", "bytes", "lower"),
    m("heapAcks", "heap.bytesPerPendingTimeoutAck", "heap per pending timeout(60s) ack", "bytes", "lower"),
    m("manySockets", "manySockets.connectAllMs", `${count(p.manySockets)} sockets on one Manager: connect all`, "ms", "lower"),
    m("manySockets", "manySockets.heapBytesPerSocket", `${count(p.manySockets)} sockets on one Manager: heap per socket`, "bytes", "lower"),
    m("manySockets", "manySockets.connectAll2NMs", `${count(2 * p.manySockets)} sockets on one Manager: connect all`, "ms", "lower"),
    m("manySockets", "manySockets.scale2N", `${count(2 * p.manySockets)} vs ${count(p.manySockets)} sockets: time ratio`, "×", "lower"),
    m("manyManagers", "manyManagers.connectAllMs", `${count(p.manyManagers)} Managers: connect all`, "ms", "lower"),
    m("manyManagers", "manyManagers.heapBytesPerManager", `${count(p.manyManagers)} Managers: heap per Manager`, "bytes", "lower"),
    m("bundle", "bundle.minBytes", "browser bundle of io: minified", "bytes", "lower"),
    m("bundle", "bundle.gzipBytes", "browser bundle of io: minified + gzip -9", "bytes", "lower"),
    m("bundle", "bundle.addedToXStateAppGzipBytes", "added to an XState app's bundle: minified + gzip -9", "bytes", "lower"),
  ];
}

/** The groups the design's floor (bench/floor-client.ts) takes part in: it only connects and disconnects, one Socket per Manager. */
export const FLOOR_GROUPS: readonly Group[] = ["connect", "heapSockets", "manyManagers", "bundle"];
/** The groups the raw engine.io floor (bench/raw-client.ts) takes part in: the data plane. */
export const RAW_GROUPS: readonly Group[] = ["emit", "receive", "ack", "ackTimeout"];

/** The groups a client takes part in (ours and official: all). */
export function takesPart(client: ClientName, group: Group): boolean {
  if (client === "floor") return FLOOR_GROUPS.includes(group);
  if (client === "raw") return RAW_GROUPS.includes(group);
  return true;
}

/** The floor a metric is compared with: the raw engine.io floor per message, the design floor per connection. */
export function floorOf(group: Group): "raw" | "floor" | undefined {
  if (RAW_GROUPS.includes(group)) return "raw";
  if (FLOOR_GROUPS.includes(group)) return "floor";
  return undefined;
}

/** The worker trials, in the order each round runs them (heap trials first, while the machine is calm). */
export const TRIAL_ORDER: TrialName[] = [
  "heapAcks",
  "heapSockets",
  "manySockets",
  "manyManagers",
  "emit",
  "receive",
  "ack",
  "ackTimeout",
  "connect",
];

// ------------------------------------------------------------ targets

/**
 * One of issue 14's targets. Its figure, per round, is `key` of `client`
 * (ours unless said) divided by `per.key` (the same key unless said) of
 * `per.client`, measured in the same round; without `per`, the figure is
 * `key` itself. The target is met when the figure is at most (at least)
 * `limit`. `reference` computes the same figure for another client, shown
 * next to it; `evidence` is the anchor in bench/analysis.md that says where
 * the cost sits when the target is not met.
 */
export interface Target {
  section: string;
  label: string;
  key: string;
  client?: ClientName;
  per?: { client: ClientName; key?: string };
  bound: "atMost" | "atLeast";
  limit: number;
  reference?: { client: ClientName; per?: { client: ClientName; key?: string } };
  evidence?: string;
}

export function targetsFor(p: TrialParams): Target[] {
  const w = p.ackWindow;
  const t = `timeout(${p.ackTimeoutMs / 1000}s)`;
  const perMessage = "Per message, against the official client";
  const perConnection = "Per connection, against the design floor";
  const scale = "Scale within one Manager";
  const official = { client: "official" as const };
  const floor = { client: "floor" as const };
  const rawRef = { client: "raw" as const, per: official };
  const officialPerFloor = { client: "official" as const, per: floor };
  const ackModes: Array<[string, string]> = [
    ["ack.seq", "ack, sequential"],
    ["ack.window", `acks, ${w} in flight`],
    ["emitWithAck.window", `emitWithAck, ${w} in flight`],
    ["timeoutAck.seq", `${t} ack, sequential`],
    ["timeoutAck.window", `${t} acks, ${w} in flight`],
    ["timeoutEmitWithAck.window", `${t}.emitWithAck, ${w} in flight`],
  ];
  const target = (fields: Omit<Target, "section">, section: string): Target => ({ section, ...fields });
  return [
    target({ label: "emit: throughput", key: "emit.eventsPerSec", per: official, bound: "atLeast", limit: 1.05, reference: rawRef, evidence: "evidence-per-message" }, perMessage),
    target({ label: "emit: throughput against the raw engine.io floor", key: "emit.eventsPerSec", per: { client: "raw" }, bound: "atLeast", limit: 0.9, reference: { client: "official", per: { client: "raw" } }, evidence: "evidence-per-message" }, perMessage),
    target({ label: "emit: client CPU per event", key: "emit.cpuNsPerEvent", per: official, bound: "atMost", limit: 0.95, reference: rawRef, evidence: "evidence-per-message" }, perMessage),
    target({ label: "receive: client CPU per event", key: "receive.cpuNsPerEvent", per: official, bound: "atMost", limit: 0.95, reference: rawRef, evidence: "evidence-per-message" }, perMessage),
    ...ackModes.flatMap(([prefix, label]) => [
      target({ label: `${label}: throughput`, key: `${prefix}.opsPerSec`, per: official, bound: "atLeast", limit: 1, reference: rawRef, evidence: "evidence-acks" }, perMessage),
      target({ label: `${label}: p99 round trip`, key: `${prefix}.p99Us`, per: official, bound: "atMost", limit: 1, reference: rawRef, evidence: "evidence-acks" }, perMessage),
      target({ label: `${label}: client CPU per ack`, key: `${prefix}.cpuUsPerOp`, per: official, bound: "atMost", limit: 1, reference: rawRef, evidence: "evidence-acks" }, perMessage),
    ]),
    target({ label: "heap per pending ack", key: "heap.bytesPerPendingAck", per: official, bound: "atMost", limit: 1, evidence: "evidence-acks" }, perMessage),
    target({ label: "heap per pending timeout(60s) ack", key: "heap.bytesPerPendingTimeoutAck", per: official, bound: "atMost", limit: 1, evidence: "evidence-acks" }, perMessage),
    target({ label: "heap per connected Socket", key: "heap.bytesPerSocket", per: floor, bound: "atMost", limit: 1.05, reference: officialPerFloor, evidence: "evidence-heap" }, perConnection),
    target({ label: "connect, WebSocket: p50", key: "connect.websocket.p50Ms", per: floor, bound: "atMost", limit: 1.1, reference: officialPerFloor, evidence: "evidence-connect" }, perConnection),
    target({ label: "connect + disconnect: client CPU", key: "connect.cpuUsPerCycle", per: floor, bound: "atMost", limit: 1.2, reference: officialPerFloor, evidence: "evidence-connect" }, perConnection),
    target({ label: `${count(p.manyManagers)} Managers: connect all`, key: "manyManagers.connectAllMs", per: floor, bound: "atMost", limit: 1.1, reference: officialPerFloor, evidence: "evidence-connect" }, perConnection),
    target({ label: `${count(p.manyManagers)} Managers: heap per Manager`, key: "manyManagers.heapBytesPerManager", per: floor, bound: "atMost", limit: 1.1, reference: officialPerFloor, evidence: "evidence-heap" }, perConnection),
    target({ label: "browser bundle, minified + gzip", key: "bundle.gzipBytes", per: floor, bound: "atMost", limit: 1.25, reference: officialPerFloor, evidence: "evidence-bundle" }, perConnection),
    target({ label: "added to an XState app's bundle (gzip), against the official client's whole bundle", key: "bundle.addedToXStateAppGzipBytes", per: { client: "official", key: "bundle.gzipBytes" }, bound: "atMost", limit: 1.5, reference: { client: "floor", per: { client: "official", key: "bundle.gzipBytes" } }, evidence: "evidence-bundle" }, perConnection),
    target({ label: `${count(p.manySockets)} sockets on one Manager: connect all`, key: "manySockets.connectAllMs", per: official, bound: "atMost", limit: 2.5, evidence: "evidence-many-sockets" }, scale),
    target({ label: `${count(p.manySockets)} sockets on one Manager: heap per socket`, key: "manySockets.heapBytesPerSocket", per: official, bound: "atMost", limit: 1.5, evidence: "evidence-many-sockets" }, scale),
    target({ label: `linear: time for ${count(2 * p.manySockets)} over time for ${count(p.manySockets)} sockets`, key: "manySockets.scale2N", bound: "atMost", limit: 2.1, reference: { client: "official" }, evidence: "evidence-many-sockets" }, scale),
  ];
}
