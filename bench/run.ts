// Side-by-side benchmark: our build (dist/, through the package's exports) and
// the official socket.io-client, against one socket.io 4.8 server running in
// its own process. Every trial of every client runs in a fresh worker process;
// within a round the clients alternate (ours first in odd rounds, official
// first in even ones), so that a ratio compares two measurements taken
// moments apart. See bench/README.md.
//
//   npm run bench [-- --quick] [--rounds N] [--only emit,ack,...] [--out file.json] [--no-write]
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { compileForNode } from "./compile.js";
import { FLOOR_GROUPS, FULL_PARAMS, QUICK_PARAMS, TRIAL_ORDER, metricsFor, type Group, type Metric } from "./metrics.js";
import type { ServerMessage, ServerRequest } from "./server.js";
import { ratioChart, verdict, withinNoise } from "./svg.js";
import type { TrialJob, TrialName, TrialParams, TrialReply } from "./worker.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = join(ROOT, ".bench-out");
const STARTED = Date.now();
const LOAD_AT_START = os.loadavg()[0]!;
const PACKAGE_NAME = "socket.io-client-xstate";

// ------------------------------------------------------------ options

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    only: { type: "string" },
    out: { type: "string" },
    "no-write": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (args.help) {
  console.log(`usage: npm run bench -- [--quick] [--rounds N] [--only ${[...TRIAL_ORDER, "bundle"].join(",")}] [--out file.json] [--no-write]`);
  process.exit(0);
}

const QUICK = args.quick;
const PARAMS: TrialParams = QUICK ? QUICK_PARAMS : FULL_PARAMS;
// Rounds: up to MAX_ROUNDS, but after MIN_ROUNDS no round starts that would
// end past the time budget (the next round is taken to last as long as the
// slowest so far), so a busy machine gets fewer rounds, not a longer run.
// --rounds N runs exactly N.
const FORCED_ROUNDS = args.rounds !== undefined;
const MAX_ROUNDS = FORCED_ROUNDS ? Number(args.rounds) : QUICK ? 3 : 7;
const MIN_ROUNDS = FORCED_ROUNDS ? MAX_ROUNDS : QUICK ? 2 : 3;
const BUDGET_SEC = QUICK ? 50 : 270;
let roundsRun = 0;
if (!Number.isInteger(MAX_ROUNDS) || MAX_ROUNDS < 1 || MAX_ROUNDS > 50) fail(`--rounds expects an integer from 1 to 50, got ${args.rounds}`);
const TRIAL_DEADLINE_MS = QUICK ? 20_000 : 60_000;
const GROUPS: Group[] = [...TRIAL_ORDER, "bundle"];
const ONLY = args.only?.split(",").map((name) => name.trim()) as Group[] | undefined;
for (const name of ONLY ?? []) if (!GROUPS.includes(name)) fail(`--only: unknown group "${name}" (known: ${GROUPS.join(", ")})`);
const selected = (group: Group) => !ONLY || ONLY.includes(group);
const METRICS = metricsFor(PARAMS).filter((m) => selected(m.group));
// docs/performance.md describes a whole run: a partial one never overwrites it
const WRITE_DOCS = !args["no-write"] && !ONLY;

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

// ------------------------------------------------------------ clients

interface Client {
  name: "ours" | "official" | "floor";
  specifier: string;
  /** file: URL of the entry module Node resolves for the specifier (ours: dist/ via the package's self-reference). */
  moduleUrl: string;
  /** The trial groups it takes part in; all when absent. */
  groups?: readonly Group[];
}

const clients: Client[] = [
  { name: "ours", specifier: PACKAGE_NAME, moduleUrl: import.meta.resolve(PACKAGE_NAME) },
  { name: "official", specifier: "socket.io-client", moduleUrl: import.meta.resolve("socket.io-client") },
  {
    name: "floor",
    specifier: join(ROOT, "bench/floor-client.ts"),
    moduleUrl: pathToFileURL(join(OUT_DIR, "floor-client.mjs")).href,
    groups: FLOOR_GROUPS,
  },
];
const takesPart = (client: Client, group: Group) => !client.groups || client.groups.includes(group);

const oursEntry = fileURLToPath(clients[0]!.moduleUrl);
if (!existsSync(oursEntry)) fail(`${relative(ROOT, oursEntry)} is missing: build first (npx tsup)`);
const newestSource = Math.max(
  ...["src", "machines", "adapters"].flatMap((dir) =>
    listFiles(join(ROOT, dir)).map((file) => statSync(file).mtimeMs),
  ),
);
if (statSync(oursEntry).mtimeMs < newestSource) {
  console.warn(`bench: warning: dist/ is older than the sources; run npx tsup for a current measurement`);
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(dir, name));
}

// ------------------------------------------------------------ processes

const children = new Set<ChildProcess>();
const killChildren = () => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
};
process.on("exit", killChildren);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killChildren();
    process.exit(130);
  });
}

/** The worker and the server run as plain JavaScript: no TypeScript loader in the measured processes. */
async function compileProcesses(): Promise<{ workerJs: string; serverJs: string }> {
  await compileForNode(
    {
      worker: join(ROOT, "bench/worker.ts"),
      server: join(ROOT, "bench/server.ts"),
      "floor-client": join(ROOT, "bench/floor-client.ts"),
    },
    OUT_DIR,
  );
  return { workerJs: join(OUT_DIR, "worker.mjs"), serverJs: join(OUT_DIR, "server.mjs") };
}

function forkPlain(file: string, execArgv: string[] = []): ChildProcess {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // whatever launched us (tsx) stays out of the measured processes
  delete env.DEBUG; // the official client's `debug` logging would skew it
  const child = fork(file, [], { execArgv, env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

interface BenchServer {
  url: string;
  stats(): Promise<number | null>;
  stop(): Promise<void>;
}

async function startServer(serverJs: string): Promise<BenchServer> {
  const child = forkPlain(serverJs);
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not start within 10 s")), 10_000);
    child.once("message", (message: ServerMessage) => {
      clearTimeout(timer);
      if (message.type === "ready") resolvePort(message.port);
      else reject(new Error(`unexpected server message ${JSON.stringify(message)}`));
    });
    child.once("exit", (code) => reject(new Error(`the server exited (${code})`)));
  });
  let nextId = 0;
  const request = (message: ServerRequest) => child.send(message);
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () =>
      new Promise((resolveStats) => {
        const id = ++nextId;
        const timer = setTimeout(() => {
          child.off("message", onMessage);
          resolveStats(null);
        }, 2000);
        const onMessage = (message: ServerMessage) => {
          if (message.type !== "stats" || message.id !== id) return;
          clearTimeout(timer);
          child.off("message", onMessage);
          resolveStats(message.clients);
        };
        child.on("message", onMessage);
        request({ type: "stats", id });
      }),
    stop: () =>
      new Promise((resolveStop) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          resolveStop();
        }, 2000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolveStop();
        });
        request({ type: "stop" });
      }),
  };
}

/** Waits (bounded) until the previous trial's connections are gone from the server. */
async function quiesce(server: BenchServer): Promise<void> {
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    const clientsLeft = await server.stats();
    if (clientsLeft === 0 || clientsLeft === null) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function runWorker(workerJs: string, job: TrialJob): Promise<TrialReply> {
  return new Promise((resolveReply) => {
    const child = forkPlain(workerJs, ["--expose-gc"]);
    let settled = false;
    const settle = (reply: TrialReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(killer);
      resolveReply(reply);
    };
    const killer = setTimeout(() => {
      child.kill("SIGKILL");
      settle({ ok: false, error: `no answer within ${job.deadlineMs + 5000} ms; worker killed` });
    }, job.deadlineMs + 5000);
    child.once("message", (reply: TrialReply) => settle(reply));
    child.once("exit", (code) => {
      settle({ ok: false, error: `worker exited (${code}) without a result` });
    });
    child.send(job);
  });
}

// ------------------------------------------------------------ bundle size

async function bundleSizes(client: Client): Promise<Record<string, number>> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    stdin: { contents: `export { io } from "${client.specifier}";`, resolveDir: ROOT, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    write: false,
    logLevel: "silent",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const code = result.outputFiles[0]!.contents;
  return { "bundle.minBytes": code.length, "bundle.gzipBytes": gzipSync(code, { level: 9 }).length };
}

// ------------------------------------------------------------ statistics

type Samples = Record<string, Record<Client["name"], number[]>>;

/** Median of the same-round ratios a/b, with their min and max. */
function sameRoundRatios(a: number[], b: number[]) {
  const ratios = a.map((value, round) => value / b[round]!).filter((r) => Number.isFinite(r) && r > 0);
  return {
    ratio: median(ratios),
    min: ratios.length ? Math.min(...ratios) : NaN,
    max: ratios.length ? Math.max(...ratios) : NaN,
    pairs: ratios.length,
  };
}

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface Row extends Metric {
  ours: number;
  official: number;
  /** Median of the same-round ratios ours/official, and their min and max. */
  ratio: number;
  min: number;
  max: number;
  pairs: number;
  /** The design's floor, where it takes part (NaN elsewhere), and floor/official. */
  floor: number;
  floorRatio: number;
}

function summarize(samples: Samples): Row[] {
  return METRICS.map((metric) => {
    const ours = samples[metric.key]?.ours ?? [];
    const official = samples[metric.key]?.official ?? [];
    const floor = samples[metric.key]?.floor ?? [];
    return {
      ...metric,
      ours: median(ours),
      official: median(official),
      ...sameRoundRatios(ours, official),
      floor: median(floor),
      floorRatio: sameRoundRatios(floor, official).ratio,
    };
  });
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return "ERR";
  const a = Math.abs(v);
  if (a >= 10_000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** The floor's figure and ratio, or a dash where it does not take part. */
function formatFloor(row: Row): [string, string] {
  if (!FLOOR_GROUPS.includes(row.group)) return ["–", "–"];
  return [formatValue(row.floor), Number.isFinite(row.floorRatio) ? row.floorRatio.toFixed(2) : "ERR"];
}

function formatRatio(row: Row): string {
  if (!Number.isFinite(row.ratio)) return "ERR";
  const median = row.ratio.toFixed(2);
  return row.pairs > 1 && row.min !== row.max ? `${median} (${row.min.toFixed(2)}–${row.max.toFixed(2)})` : median;
}

function describeVerdict(row: Row): string {
  if (!Number.isFinite(row.ratio)) return "no result";
  const v = verdict(row);
  if (v === "even") return "same";
  return withinNoise(row) ? `${v}, within the spread` : v;
}

function tableLines(rows: Row[]): string[] {
  const head = ["metric", "unit", "", "ours", "official", "ours/official (min–max)", "ours is", "floor", "floor/official"];
  const body = rows.map((r) => [
    r.label,
    r.unit,
    r.better === "higher" ? "↑" : "↓",
    formatValue(r.ours),
    formatValue(r.official),
    formatRatio(r),
    describeVerdict(r),
    ...formatFloor(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const numeric = (i: number) => (i >= 3 && i <= 5) || i >= 7;
  const line = (cells: string[]) => cells.map((c, i) => (numeric(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
}

// ------------------------------------------------------------ environment

function versionOf(packageDir: string): string {
  try {
    return (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

function environment() {
  const cpus = os.cpus();
  let distro = "";
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "";
  } catch {}
  let commit = "";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {}
  const modules = join(ROOT, "node_modules");
  const officialEngine = existsSync(join(modules, "socket.io-client/node_modules/engine.io-client"))
    ? join(modules, "socket.io-client/node_modules/engine.io-client")
    : join(modules, "engine.io-client");
  return {
    cpu: `${cpus[0]?.model ?? "unknown CPU"}, ${cpus.length} logical cores`,
    os: `${distro ? `${distro}, ` : ""}${os.type()} ${os.release()} ${os.arch()}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    /** 1-minute load averages: other processes busy on the machine during the run. */
    load: `${LOAD_AT_START.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end`,
    node: process.version,
    ours: `${PACKAGE_NAME} ${versionOf(ROOT)}${commit ? ` at commit ${commit}` : ""}, dist/ built ${statSync(oursEntry).mtime.toISOString()}`,
    official: `socket.io-client ${versionOf(join(modules, "socket.io-client"))} (engine.io-client ${versionOf(officialEngine)})`,
    oursEngine: `engine.io-client ${versionOf(join(modules, "engine.io-client"))}`,
    server: `socket.io ${versionOf(join(modules, "socket.io"))}`,
    bundler: `esbuild ${versionOf(join(modules, "esbuild"))}`,
  };
}

// ------------------------------------------------------------ docs

function performanceMarkdown(rows: Row[], env: ReturnType<typeof environment>, date: Date, runtimeSec: number, rounds: number): string {
  const table = [
    "| metric | unit | better | ours | official | ours/official (min–max) | ours is | design floor | floor/official |",
    "|---|---|:-:|--:|--:|--:|---|--:|--:|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.unit} | ${r.better === "higher" ? "↑ higher" : "↓ lower"} | ${formatValue(r.ours)} | ${formatValue(r.official)} | ${formatRatio(r)} | ${describeVerdict(r)} | ${formatFloor(r).join(" | ")} |`,
    ),
  ];
  return `<!-- Generated by \`npm run bench\` (bench/run.ts): do not edit by hand. -->
# Performance

Our client (\`${PACKAGE_NAME}\`, the built \`dist/\`) measured side by side with the
official \`socket.io-client\` in one run: the same socket.io server in its own
process, a fresh process per client and trial, the clients alternating within
each round. Values are medians over ${rounds} round${rounds === 1 ? "" : "s"}; the ratio is the median of
the same-round ratios ours/official, with their min–max. What each metric
measures: [bench/README.md](../bench/README.md).

![ours/official per metric, log scale](performance.svg)

${table.join("\n")}

↑: higher is better, ↓: lower is better. "within the spread" means the ratio's
min–max over rounds includes 1.0. The bundle sizes are exact (no spread).

The design floor ([bench/floor-client.ts](../bench/floor-client.ts)) is the
skeleton the design card asks for and nothing else: a connection actor that
invokes an engine.io-client transport actor and spawns one namespace actor,
packets through socket.io-parser, bare machines with no reconnection, timeout,
auth, acks or checks. It only connects, so it runs in the connect and heap
trials and is bundled; no client keeping this design can go below it.

${analysis()}
## Run

- Date: ${date.toISOString().replace(/\.\d+Z$/, "Z")}; ${QUICK ? "quick" : "full"} run, ${rounds} round${rounds === 1 ? "" : "s"}, ${runtimeSec.toFixed(0)} s
- Machine: ${env.cpu}; ${env.memory} RAM; ${env.os}
- Load average (1 min): ${env.load}
- Node.js ${env.node.replace(/^v/, "")}
- Ours: ${env.ours}, on ${env.oursEngine}
- Official: ${env.official}
- Server: ${env.server}, 127.0.0.1, its own process
- Bundles: ${env.bundler}, \`export { io } from "<client>"\`, minified, platform browser

Reproduce: \`npx tsup && npm run bench\` (at most about 4.5 minutes), or
\`npm run bench -- --quick\` (under a minute: fewer rounds, smaller trials).
`;
}

/** The hand-written reading of the figures (bench/analysis.md), kept next to each generated table. */
function analysis(): string {
  const file = join(dirname(fileURLToPath(import.meta.url)), "analysis.md");
  return existsSync(file) ? readFileSync(file, "utf8").trim() + "\n" : "";
}

// ------------------------------------------------------------ main

async function main() {
  const log = (text: string) => process.stderr.write(text);
  mkdirSync(OUT_DIR, { recursive: true });
  const { workerJs, serverJs } = await compileProcesses();
  const server = await startServer(serverJs);
  const samples: Samples = {};
  const errors: string[] = [];
  const trialSeconds: Record<string, number> = {};
  const record = (key: string, client: Client["name"], round: number, value: number) => {
    const perClient = (samples[key] ??= { ours: [], official: [], floor: [] });
    perClient[client][round] = value;
  };
  const trialJob = (client: Client, trial: TrialName): TrialJob => ({
    clientModule: client.moduleUrl,
    trial,
    url: server.url,
    params: PARAMS,
    deadlineMs: TRIAL_DEADLINE_MS,
  });

  try {
    // the floor has no acks to probe: its trials fail loudly instead
    for (const client of clients.filter((c) => !c.groups)) {
      const probe = await runWorker(workerJs, trialJob(client, "probe"));
      if (!probe.ok) throw new Error(`${client.name} (${client.moduleUrl}) failed the preflight:\n${probe.error}`);
      await quiesce(server);
    }
    const roundsText = FORCED_ROUNDS ? `${MAX_ROUNDS}` : `${MIN_ROUNDS}-${MAX_ROUNDS}`;
    log(`bench: ${QUICK ? "quick" : "full"}, ${roundsText} rounds, server ${server.url}\n`);
    const trials = TRIAL_ORDER.filter(selected);
    let slowestRoundSec = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const elapsedSec = (Date.now() - STARTED) / 1000;
      if (round >= MIN_ROUNDS && elapsedSec + slowestRoundSec * 1.1 + 3 > BUDGET_SEC) {
        log(`bench: stopping after ${round} rounds (time budget ${BUDGET_SEC} s)\n`);
        break;
      }
      const roundStart = Date.now();
      roundsRun = round + 1;
      const order = round % 2 === 0 ? clients : [...clients].reverse();
      log(`round ${round + 1}:`);
      for (const trial of trials) {
        log(` ${trial}`);
        for (const client of order) {
          if (!takesPart(client, trial)) continue;
          const trialStart = Date.now();
          const reply = await runWorker(workerJs, trialJob(client, trial));
          trialSeconds[trial] = (trialSeconds[trial] ?? 0) + (Date.now() - trialStart) / 1000;
          if (reply.ok) {
            for (const [key, value] of Object.entries(reply.metrics)) record(key, client.name, round, value);
          } else {
            errors.push(`${client.name} ${trial} round ${round + 1}: ${reply.error}`);
            log(`[${client.name} failed]`);
          }
          await quiesce(server);
        }
      }
      log(` (${((Date.now() - STARTED) / 1000).toFixed(0)} s)\n`);
      slowestRoundSec = Math.max(slowestRoundSec, (Date.now() - roundStart) / 1000);
    }
  } finally {
    await server.stop();
  }

  if (selected("bundle")) {
    for (const client of clients) {
      if (!takesPart(client, "bundle")) continue;
      try {
        const sizes = await bundleSizes(client);
        // deterministic: the same figure stands for every round
        for (let round = 0; round < roundsRun; round++) {
          for (const [key, value] of Object.entries(sizes)) record(key, client.name, round, value);
        }
      } catch (error) {
        errors.push(`${client.name} bundle: ${String((error as Error).message ?? error)}`);
      }
    }
  }
  return { samples, errors, trialSeconds };
}

const { samples, errors, trialSeconds } = await main();
const rows = summarize(samples);
const runtimeSec = (Date.now() - STARTED) / 1000;
const date = new Date();
const env = environment();

console.log(tableLines(rows).join("\n"));
console.log(`\nvalues: medians over ${roundsRun} rounds; ratio: median of same-round ours/official (min–max); ↑ higher is better, ↓ lower is better`);
for (const error of errors) console.error(`error: ${error}`);
console.log(`total runtime ${runtimeSec.toFixed(1)} s (${QUICK ? "quick" : "full"}, ${roundsRun} rounds)`);

const results = {
  date: date.toISOString(),
  mode: QUICK ? "quick" : "full",
  rounds: roundsRun,
  runtimeSec,
  params: PARAMS,
  environment: env,
  clients: clients.map(({ name, moduleUrl }) => ({ name, module: relative(ROOT, fileURLToPath(moduleUrl)) })),
  metrics: rows,
  samples,
  errors,
  /** Wall time per trial group, both clients and all rounds, process start-up included. */
  trialSeconds,
};
const outFile = args.out ? resolve(process.cwd(), args.out) : join(OUT_DIR, `bench-${results.mode}.json`);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(results, (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2) + "\n");
console.log(`results: ${relative(process.cwd(), outFile)}`);

if (WRITE_DOCS) {
  const docs = join(ROOT, "docs");
  mkdirSync(docs, { recursive: true });
  const subtitle = `${env.cpu}; Node.js ${env.node}; ${QUICK ? "quick" : "full"} run, ${roundsRun} rounds; ${date.toISOString().slice(0, 10)}`;
  writeFileSync(join(docs, "performance.svg"), ratioChart(rows, `${PACKAGE_NAME} vs socket.io-client: ours/official`, subtitle));
  writeFileSync(join(docs, "performance.md"), performanceMarkdown(rows, env, date, runtimeSec, roundsRun));
  console.log("wrote docs/performance.md and docs/performance.svg");
} else if (!args["no-write"]) {
  console.log("--only: docs/performance.md left as it was (it describes whole runs)");
}

const missing = rows.filter(
  (r) => !Number.isFinite(r.ours) || !Number.isFinite(r.official) || (FLOOR_GROUPS.includes(r.group) && !Number.isFinite(r.floor)),
);
if (missing.length) {
  console.error(`bench: no result for ${missing.map((r) => r.key).join(", ")}`);
  process.exitCode = 1;
}
