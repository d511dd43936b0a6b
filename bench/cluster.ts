// The cluster load figure (not a test): 2,000 clients connect through the
// balancer (nginx, ip_hash) to a 3-node socket.io 4.8 deployment sharing Redis
// (@socket.io/redis-adapter), ours (dist/, through the package's exports) and
// the official socket.io-client side by side in the same run, each trial in a
// fresh process, alternating which goes first from round to round. Per client:
// the time until all are connected, this process's CPU time meanwhile, and the
// heap per connected (upgraded) client; then the ratios ours/official.
// Results go to docs/scaling.md (between the cluster-bench markers).
//
//   npm run bench:cluster [-- --count 2000] [--rounds 3] [--no-write]
import { fork } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startCluster, type Cluster } from "../tests/cluster/deployment/cluster.js";
import type { ClusterTrialJob, ClusterTrialReply } from "./cluster-worker.js";
import { compileForNode } from "./compile.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = join(ROOT, ".bench-out");
const DOC = join(ROOT, "docs/scaling.md");
const START = "<!-- cluster-bench:start -->";
const END = "<!-- cluster-bench:end -->";

const { values: args } = parseArgs({
  options: {
    count: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    "no-write": { type: "boolean", default: false },
  },
});
const COUNT = Number(args.count);
const ROUNDS = Number(args.rounds);
if (!Number.isInteger(COUNT) || COUNT < 1 || COUNT > 2500) throw new Error("--count: an integer from 1 to 2500 (one source address each)");
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error("--rounds: a positive integer");

const clients = [
  { name: "ours", moduleUrl: import.meta.resolve("socket.io-client-xstate") },
  { name: "official", moduleUrl: import.meta.resolve("socket.io-client") },
] as const;
if (!existsSync(fileURLToPath(clients[0].moduleUrl))) throw new Error("dist/ is missing: npm run build first");

async function compileWorker(): Promise<string> {
  await compileForNode({ "cluster-worker": join(ROOT, "bench/cluster-worker.ts") }, OUT_DIR);
  return join(OUT_DIR, "cluster-worker.mjs");
}

function runTrial(workerJs: string, job: ClusterTrialJob): Promise<ClusterTrialReply> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // tsx stays out of the measured process
  delete env.DEBUG;
  const child = fork(workerJs, [], { execArgv: ["--expose-gc"], env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolveReply) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), job.deadlineMs + 10_000);
    child.once("message", (reply: ClusterTrialReply) => {
      clearTimeout(killer);
      resolveReply(reply);
    });
    child.once("exit", (code) => {
      clearTimeout(killer);
      resolveReply({ ok: false, error: `worker exited (${code}) without a result` });
    });
    child.send(job);
  });
}

/** Waits until the nodes hold no session (the previous trial's clients are gone). */
async function quiesce(cluster: Cluster): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const held = (await Promise.all(cluster.nodes.map((node) => node.call<string[]>({ op: "localSockets" })))).flat().length;
    if (held === 0) return;
    if (Date.now() > deadline) throw new Error(`the nodes still hold ${held} sessions`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const workerJs = await compileWorker();
const loadAtStart = os.loadavg()[0]!;
const started = Date.now();
const cluster = await startCluster({ adapter: "redis" });
type Sample = Extract<ClusterTrialReply, { ok: true }>;
const samples: Record<string, Sample[]> = { ours: [], official: [] };
try {
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? clients : [...clients].reverse();
    for (const client of order) {
      await quiesce(cluster);
      const reply = await runTrial(workerJs, { clientModule: client.moduleUrl, url: cluster.balancer.url, count: COUNT, deadlineMs: 120_000 });
      if (!reply.ok) throw new Error(`round ${round}, ${client.name}: ${reply.error}`);
      if (reply.upgraded !== COUNT) throw new Error(`round ${round}, ${client.name}: ${reply.upgraded} of ${COUNT} upgraded`);
      samples[client.name]!.push(reply);
      console.log(
        `round ${round} ${client.name.padEnd(8)} all ${COUNT} connected in ${reply.connectMs.toFixed(0)} ms, ` +
          `CPU ${reply.cpuMs.toFixed(0)} ms, heap ${(reply.heapPerClient / 1024).toFixed(1)} KB/client, nodes (300 asked) ${JSON.stringify(reply.nodes)}`,
      );
    }
  }
} finally {
  await cluster.stop();
}

const metrics = [
  { key: "connectMs", label: `time until all ${COUNT.toLocaleString("en-US")} are connected`, unit: "ms", scale: 1 },
  { key: "cpuMs", label: "client process CPU time until then", unit: "ms", scale: 1 },
  { key: "cpuPerClient", label: "client CPU per connection", unit: "ms", scale: 1 },
  { key: "heapPerClient", label: "heap per connected client (upgraded)", unit: "KB", scale: 1 / 1024 },
] as const;
const valueOf = (sample: Sample, key: (typeof metrics)[number]["key"]) => (key === "cpuPerClient" ? sample.cpuMs / COUNT : sample[key]);
const rows = metrics.map((metric) => {
  const ours = samples.ours!.map((s) => valueOf(s, metric.key));
  const official = samples.official!.map((s) => valueOf(s, metric.key));
  const ratios = ours.map((value, i) => value / official[i]!);
  return { ...metric, ours: median(ours) * metric.scale, official: median(official) * metric.scale, ratio: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
});
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));
const table = [
  "| metric | unit | ours | official | ours/official (min–max over rounds) |",
  "|---|---|---:|---:|---:|",
  ...rows.map((r) => `| ${r.label} | ${r.unit} | ${fmt(r.ours)} | ${fmt(r.official)} | ${r.ratio.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)}) |`),
];
const cpus = os.cpus();
const version = (dir: string) => (JSON.parse(readFileSync(join(ROOT, "node_modules", dir, "package.json"), "utf8")) as { version: string }).version;
const block = [
  START,
  "",
  `Measured ${new Date().toISOString().slice(0, 10)} by \`npm run bench:cluster\`: ${COUNT.toLocaleString("en-US")} clients, ${ROUNDS} rounds (the medians; each ratio pairs the two clients of one round), ` +
    `default transports (long-polling, then the upgrade to WebSocket), through nginx (ip_hash) to 3 socket.io ${version("socket.io")} nodes ` +
    `with @socket.io/redis-adapter ${version("@socket.io/redis-adapter")}; socket.io-client ${version("socket.io-client")}. ` +
    `${cpus[0]?.model ?? "CPU"}, ${cpus.length} cores, Node ${process.version}; load average ${loadAtStart.toFixed(1)} at the start; ` +
    `the clients, nginx, Redis and the nodes share the machine. Run took ${Math.round((Date.now() - started) / 1000)} s.`,
  "",
  ...table,
  "",
  END,
].join("\n");
console.log(`\n${table.join("\n")}`);
if (!args["no-write"]) {
  const doc = readFileSync(DOC, "utf8");
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`docs/scaling.md has no ${START} ... ${END} block`);
  writeFileSync(DOC, doc.slice(0, from) + block + doc.slice(to + END.length));
  console.log("docs/scaling.md updated");
}
