// Side-by-side benchmark: our build (dist/, through the package's exports) and
// the official socket.io-client, with two floors (the raw engine.io floor per
// message, bench/raw-client.ts; the design floor per connection,
// bench/floor-client.ts), against one socket.io 4.8 server running in its own
// process. Every trial of every client runs in a fresh worker process; within
// a round the clients alternate (ours first in odd rounds, last in even
// ones), so that a ratio compares measurements taken moments apart. Then
// issue 14's targets (metrics.ts) are evaluated on the same-round figures.
// See bench/README.md.
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
import {
  FULL_PARAMS,
  QUICK_PARAMS,
  TRIAL_ORDER,
  floorOf,
  metricsFor,
  takesPart,
  targetsFor,
  type ClientName,
  type Group,
  type Metric,
  type Target,
} from "./metrics.js";
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
const TARGETS = targetsFor(PARAMS).filter((t) => METRICS.some((m) => m.key === t.key));
// docs/performance.md describes a whole run: a partial one never overwrites it
const WRITE_DOCS = !args["no-write"] && !ONLY;

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

// ------------------------------------------------------------ clients

interface Client {
  name: ClientName;
  specifier: string;
  /** file: URL of the entry module Node resolves for the specifier (ours: dist/ via the package's self-reference). */
  moduleUrl: string;
}

const clients: Client[] = [
  { name: "ours", specifier: PACKAGE_NAME, moduleUrl: import.meta.resolve(PACKAGE_NAME) },
  { name: "official", specifier: "socket.io-client", moduleUrl: import.meta.resolve("socket.io-client") },
  {
    name: "floor",
    specifier: join(ROOT, "bench/floor-client.ts"),
    moduleUrl: pathToFileURL(join(OUT_DIR, "floor-client.mjs")).href,
  },
  {
    name: "raw",
    specifier: join(ROOT, "bench/raw-client.ts"),
    moduleUrl: pathToFileURL(join(OUT_DIR, "raw-client.mjs")).href,
  },
];

const oursEntry = fileURLToPath(clients[0]!.moduleUrl);
if (!existsSync(oursEntry)) fail(`${relative(ROOT, oursEntry)} is missing: build first (npm run build)`);
const newestSource = Math.max(
  ...["src", "machines", "adapters"].flatMap((dir) =>
    listFiles(join(ROOT, dir)).map((file) => statSync(file).mtimeMs),
  ),
);
if (statSync(oursEntry).mtimeMs < newestSource) {
  console.warn(`bench: warning: dist/ is older than the sources; run npm run build for a current measurement`);
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
      "raw-client": join(ROOT, "bench/raw-client.ts"),
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

/** Minified and gzip -9 bytes of `contents` bundled by esbuild for the browser. */
async function bundle(contents: string): Promise<{ minBytes: number; gzipBytes: number }> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    stdin: { contents, resolveDir: ROOT, loader: "js" },
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
  return { minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

/**
 * A small XState app: a machine made with setup(), an actor started from it,
 * an event sent. With a client, the app also opens io("/") and sends the
 * actor an event on connect. What the client adds to an app that already
 * bundles XState is the difference between the two bundles.
 */
function xstateApp(clientSpecifier?: string): string {
  return [
    `import { assign, createActor, setup } from "xstate";`,
    ...(clientSpecifier ? [`import { io } from "${clientSpecifier}";`] : []),
    `const machine = setup({ actions: { count: assign({ n: ({ context }) => context.n + 1 }) } }).createMachine({`,
    `  context: { n: 0 }, initial: "idle",`,
    `  states: { idle: { on: { go: { target: "busy", actions: "count" } } }, busy: { on: { stop: "idle" } } },`,
    `});`,
    `const actor = createActor(machine).start();`,
    `actor.subscribe((snapshot) => console.log(snapshot.value, snapshot.context.n));`,
    `actor.send({ type: "go" });`,
    ...(clientSpecifier ? [`io("/").on("connect", () => actor.send({ type: "stop" }));`] : []),
  ].join("\n");
}

let xstateAppAlone: { minBytes: number; gzipBytes: number } | undefined;

async function bundleSizes(client: Client): Promise<Record<string, number>> {
  const own = await bundle(`export { io } from "${client.specifier}";`);
  xstateAppAlone ??= await bundle(xstateApp());
  const withClient = await bundle(xstateApp(client.specifier));
  return {
    "bundle.minBytes": own.minBytes,
    "bundle.gzipBytes": own.gzipBytes,
    "bundle.addedToXStateAppGzipBytes": withClient.gzipBytes - xstateAppAlone.gzipBytes,
  };
}

// ------------------------------------------------------------ statistics

type Samples = Record<string, Record<ClientName, number[]>>;

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
  /** Which floor the metric is compared with (raw engine.io per message, the design floor per connection), if any. */
  floorName: "raw" | "floor" | undefined;
  /** That floor's median (NaN where none takes part), floor/official and ours/floor (same-round medians). */
  floor: number;
  floorRatio: number;
  oursPerFloor: number;
}

function summarize(samples: Samples): Row[] {
  return METRICS.map((metric) => {
    const of = (client: ClientName) => samples[metric.key]?.[client] ?? [];
    const floorName = floorOf(metric.group);
    const floor = floorName ? of(floorName) : [];
    return {
      ...metric,
      ours: median(of("ours")),
      official: median(of("official")),
      ...sameRoundRatios(of("ours"), of("official")),
      floorName,
      floor: median(floor),
      floorRatio: sameRoundRatios(floor, of("official")).ratio,
      oursPerFloor: sameRoundRatios(of("ours"), floor).ratio,
    };
  });
}

interface TargetRow extends Target {
  /** Median over rounds of the target's figure (see Target), with its min and max. */
  value: number;
  min: number;
  max: number;
  /** The same figure for the reference client (median over rounds). */
  referenceValue: number;
  verdict: "met" | "not met" | "within noise, median met" | "within noise, median not met" | "no result";
}

/** The figure of a target per round: a same-round ratio, or the metric itself. */
function targetFigures(samples: Samples, key: string, client: ClientName, per: Target["per"]): number[] {
  const values = samples[key]?.[client] ?? [];
  if (!per) return values.filter((v) => Number.isFinite(v));
  const divisors = samples[per.key ?? key]?.[per.client] ?? [];
  return values.map((v, round) => v / divisors[round]!).filter((r) => Number.isFinite(r) && r > 0);
}

function evaluateTargets(samples: Samples): TargetRow[] {
  return TARGETS.map((target) => {
    const figures = targetFigures(samples, target.key, target.client ?? "ours", target.per);
    const reference = target.reference
      ? median(targetFigures(samples, target.key, target.reference.client, target.reference.per))
      : NaN;
    const meets = (v: number) => (target.bound === "atMost" ? v <= target.limit : v >= target.limit);
    const value = median(figures);
    const passed = figures.filter(meets).length;
    const verdict: TargetRow["verdict"] =
      figures.length === 0
        ? "no result"
        : passed === figures.length
          ? "met"
          : passed === 0
            ? "not met"
            : meets(value)
              ? "within noise, median met"
              : "within noise, median not met";
    return {
      ...target,
      value,
      min: figures.length ? Math.min(...figures) : NaN,
      max: figures.length ? Math.max(...figures) : NaN,
      referenceValue: reference,
      verdict,
    };
  });
}

const CLIENT_LABEL: Record<ClientName, string> = { ours: "ours", official: "official", floor: "design floor", raw: "raw engine.io" };

function describeFigure(target: Target): string {
  const client = CLIENT_LABEL[target.client ?? "ours"];
  if (!target.per) return client;
  return `${client} / ${CLIENT_LABEL[target.per.client]}`;
}

function describeReference(target: TargetRow): string {
  if (!target.reference) return "";
  const client = CLIENT_LABEL[target.reference.client];
  const figure = target.reference.per ? `${client} / ${CLIENT_LABEL[target.reference.per.client]}` : client;
  return Number.isFinite(target.referenceValue) ? `${figure}: ${target.referenceValue.toFixed(2)}` : `${figure}: ERR`;
}

function formatTargetValue(t: TargetRow): string {
  if (!Number.isFinite(t.value)) return "ERR";
  // a third decimal where two would show a figure on the wrong side of the limit as the limit itself
  const digits = [t.value, t.min, t.max].some((v) => v !== t.limit && Math.abs(v - t.limit) < 0.005) ? 3 : 2;
  const f = (v: number) => v.toFixed(digits);
  return t.min !== t.max ? `${f(t.value)} (${f(t.min)}–${f(t.max)})` : f(t.value);
}

const formatLimit = (t: Target) => `${t.bound === "atMost" ? "≤" : "≥"} ${t.limit.toFixed(2)}`;

function targetLines(targets: TargetRow[]): string[] {
  const head = ["target", "figure", "limit", "measured (min–max)", "verdict", "for reference"];
  const body = targets.map((t) => [t.label, describeFigure(t), formatLimit(t), formatTargetValue(t), t.verdict, describeReference(t)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
}

function targetsMarkdown(targets: TargetRow[]): string {
  const out: string[] = [];
  let section = "";
  for (const t of targets) {
    if (t.section !== section) {
      section = t.section;
      out.push(
        "",
        `**${section}**`,
        "",
        "| target | figure | limit | measured (min–max) | verdict | for reference |",
        "|---|---|--:|--:|---|---|",
      );
    }
    const verdict = t.verdict === "met" ? "met" : t.evidence ? `${t.verdict}: [where the cost sits](#${t.evidence})` : t.verdict;
    out.push(`| ${t.label} | ${describeFigure(t)} | ${formatLimit(t)} | ${formatTargetValue(t)} | ${verdict} | ${describeReference(t)} |`);
  }
  const met = targets.filter((t) => t.verdict === "met").length;
  const notMet = targets.filter((t) => t.verdict === "not met").length;
  return `${out.join("\n").trim()}\n\n${met} of ${targets.length} targets met in every round, ${notMet} missed in every round, ${targets.length - met - notMet} within the noise (met in some rounds, missed in others).\n`;
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return "ERR";
  const a = Math.abs(v);
  if (a >= 10_000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** The floor's name, figure, floor/official and ours/floor, or dashes where no floor takes part. */
function formatFloor(row: Row): [string, string, string, string] {
  if (!row.floorName) return ["–", "–", "–", "–"];
  const ratio = (r: number) => (Number.isFinite(r) ? r.toFixed(2) : "ERR");
  return [row.floorName === "raw" ? "raw" : "design", formatValue(row.floor), ratio(row.floorRatio), ratio(row.oursPerFloor)];
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
  const head = ["metric", "unit", "", "ours", "official", "ours/official (min–max)", "ours is", "floor", "value", "floor/official", "ours/floor"];
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
  const numeric = (i: number) => (i >= 3 && i <= 5) || i >= 8;
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

function performanceMarkdown(rows: Row[], targets: TargetRow[], env: ReturnType<typeof environment>, date: Date, runtimeSec: number, rounds: number): string {
  const table = [
    "| metric | unit | better | ours | official | ours/official (min–max) | ours is | floor | floor's value | floor/official | ours/floor |",
    "|---|---|:-:|--:|--:|--:|---|---|--:|--:|--:|",
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.unit} | ${r.better === "higher" ? "↑ higher" : "↓ lower"} | ${formatValue(r.ours)} | ${formatValue(r.official)} | ${formatRatio(r)} | ${describeVerdict(r)} | ${formatFloor(r).join(" | ")} |`,
    ),
  ];
  return `<!-- Generated by \`npm run bench\` (bench/run.ts): do not edit by hand. -->
# Performance

Our client (\`${PACKAGE_NAME}\`, the built \`dist/\`) measured side by side with the
official \`socket.io-client\` in one run, with two floors: the same socket.io
server in its own process, a fresh process per client and trial, the clients
alternating within each round. Values are medians over ${rounds} round${rounds === 1 ? "" : "s"}; a ratio is the
median of the same-round ratios, with their min–max. What each metric
measures: [bench/README.md](../bench/README.md).

## Targets

Issue 14's targets, each as the figure it is stated in (ours against the
official client, against a floor, or a figure of ours alone), measured in
this run. "met": met in every round; "not met": missed in every round;
"within noise": met in some rounds and missed in others (the median says
which way it leans). Where a target is not met, the link goes to the profile
evidence of where the remaining cost sits.

${targetsMarkdown(targets)}
## All metrics

![ours/official per metric, log scale](performance.svg)

${table.join("\n")}

↑: higher is better, ↓: lower is better. "within the spread" means the ratio's
min–max over rounds includes 1.0. The bundle sizes are exact (no spread).

Two floors, each measured in the same run:

- **raw** ([bench/raw-client.ts](../bench/raw-client.ts)), per message: an
  engine.io-client Socket writing socket.io EVENT packets as JSON strings and
  decoding incoming EVENT and ACK packets itself, with no socket.io layer in
  between (no Manager, namespaces, buffer, binary support or checks). No
  socket.io client can send or receive a message for less.
- **design** ([bench/floor-client.ts](../bench/floor-client.ts)), per
  connection: the skeleton the design card asks for and nothing else: a
  connection actor that invokes an engine.io-client transport actor and spawns
  one namespace actor, packets through socket.io-parser, bare machines with no
  reconnection, timeout, auth, acks or checks. It only connects and
  disconnects (one Socket per Manager), so it runs in the connect, heap per
  Socket and many-Managers trials and is bundled; no client keeping this
  design can go below it.

${analysis()}
## Run

- Date: ${date.toISOString().replace(/\.\d+Z$/, "Z")}; ${QUICK ? "quick" : "full"} run, ${rounds} round${rounds === 1 ? "" : "s"}, ${runtimeSec.toFixed(0)} s
- Machine: ${env.cpu}; ${env.memory} RAM; ${env.os}
- Load average (1 min): ${env.load}
- Node.js ${env.node.replace(/^v/, "")}
- Ours: ${env.ours}, on ${env.oursEngine}
- Official: ${env.official}
- Raw floor: ${env.oursEngine}
- Server: ${env.server}, 127.0.0.1, its own process
- Bundles: ${env.bundler}, \`export { io } from "<client>"\`, minified, platform browser; the XState app: see [bench/README.md](../bench/README.md)

Reproduce: \`npm run build && npm run bench\` (at most about 5 minutes), or
\`npm run bench -- --quick\` (about a minute: fewer rounds, smaller trials).
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
    const perClient = (samples[key] ??= { ours: [], official: [], floor: [], raw: [] });
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
    for (const client of clients.filter((c) => c.name === "ours" || c.name === "official")) {
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
          if (!takesPart(client.name, trial)) continue;
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
      if (!takesPart(client.name, "bundle")) continue;
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
const targets = evaluateTargets(samples);
const runtimeSec = (Date.now() - STARTED) / 1000;
const date = new Date();
const env = environment();

console.log(tableLines(rows).join("\n"));
console.log(`\nvalues: medians over ${roundsRun} rounds; ratio: median of same-round ours/official (min–max); ↑ higher is better, ↓ lower is better`);
console.log(`floor: raw = raw engine.io-client (per message), design = bench/floor-client.ts (per connection)\n`);
console.log(targetLines(targets).join("\n"));
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
  targets,
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
  writeFileSync(join(docs, "performance.md"), performanceMarkdown(rows, targets, env, date, runtimeSec, roundsRun));
  console.log("wrote docs/performance.md and docs/performance.svg");
} else if (!args["no-write"]) {
  console.log("--only: docs/performance.md left as it was (it describes whole runs)");
}

const missing = rows.filter(
  (r) => !Number.isFinite(r.ours) || !Number.isFinite(r.official) || (r.floorName !== undefined && !Number.isFinite(r.floor)),
);
if (missing.length) {
  console.error(`bench: no result for ${missing.map((r) => r.key).join(", ")}`);
  process.exitCode = 1;
}
