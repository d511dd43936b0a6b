// The package as its users consume it, from its `npm pack` (tests/support/packed.ts):
// - Node.js resolves every entry through package.json "exports", with require()
//   and import; require() of the package itself returns io(), like socket.io-client;
// - esbuild, Vite and webpack bundle every entry for browsers, with one copy of
//   xstate (the app's), and /inspector without the optional peer
//   @statelyai/inspect; the bundles run in Chromium against a real server.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { packageName, runNode, usePackedApps, type PackedApp } from "../support/packed.js";
import { browserSuite, distDir, openPage, testPage, type PageTesting } from "../browser/harness.js";

// globals of the test page (code passed to page.evaluate runs there)
declare const testing: PageTesting;
declare const app: Record<string, any>;
declare const stately: Record<string, any>;

/** What a bundle for browsers must not contain: require() calls, node: builtins, and the ws package's WebSocket handshake. */
const nodeOnly = /\brequire\(["'][^"']+["']\)|from\s*["']node:[^"']*["']|["']node:[a-z_/]+["']|Sec-WebSocket-Key|permessage-deflate/g;
const entries = ["", "/debug", "/machines", "/xstate", "/inspector", "/inspector/stately"].map((path) => packageName + path);

const apps = usePackedApps();

/**
 * Connects to SERVER_URL, gets an ack, disconnects and prints what it saw as
 * JSON; it must then exit by itself (nothing left running after disconnect).
 */
function clientProgram(importLine: string): string {
  return `${importLine}
const report = { io: typeof io, Manager: typeof Manager, Socket: typeof Socket, protocol };
const socket = io(process.env.SERVER_URL, { forceNew: true, reconnection: false });
socket.on("connect_error", (error) => {
  console.error("connect_error:", error && error.message);
  process.exitCode = 1;
});
socket.on("connect", async () => {
  report.isSocket = socket instanceof Socket;
  report.onManager = socket.io instanceof Manager;
  report.ack = await socket.emitWithAck("echo", "hello from " + process.env.CLIENT_KIND);
  socket.disconnect();
  console.log(JSON.stringify(report));
});
`;
}

const expectedReport = (kind: string) => ({
  io: "function",
  Manager: "function",
  Socket: "function",
  protocol: 5,
  isSocket: true,
  onManager: true,
  ack: `hello from ${kind}`,
});

const node = (app: PackedApp, kind: string, args: string[]) => runNode(app, args, { SERVER_URL: apps.server.url, CLIENT_KIND: kind }).then((run) => run.report);

describe("Node resolves the package through its exports", () => {
  it('require("socket.io-client-xstate") returns io() itself, with io.io, io.connect, io.default, io.Manager, io.Socket, io.protocol and the transports', async () => {
    const program = `const io = require("${packageName}");
const { Manager, Socket, protocol } = io;
const shape = {
  io: io.io === io, connect: io.connect === io, default: io.default === io,
  transports: ["Fetch", "NodeXHR", "XHR", "NodeWebSocket", "WebSocket", "WebTransport"].filter((name) => typeof io[name] === "function"),
};
console.log(JSON.stringify(shape));
${clientProgram("").replace("const report = {", "const report = { shape,")}`;
    expect(await node(apps.bare, "require", ["-e", program])).toEqual({
      shape: { io: true, connect: true, default: true, transports: ["Fetch", "NodeXHR", "XHR", "NodeWebSocket", "WebSocket", "WebTransport"] },
      ...expectedReport("require"),
    });
  });

  it('const { io, Manager, Socket, protocol } = require(...) too: the CommonJS entry connects, acks and lets the process exit', async () => {
    const report = await node(apps.bare, "destructured require", ["-e", clientProgram(`const { io, Manager, Socket, protocol } = require("${packageName}");`)]);
    expect(report).toEqual(expectedReport("destructured require"));
  });

  it('import { io } from "socket.io-client-xstate" loads the ESM entry, which connects, acks and lets the process exit', async () => {
    const report = await node(apps.bare, "import", ["--input-type=module", "-e", clientProgram(`import { io, Manager, Socket, protocol } from "${packageName}";`)]);
    expect(report).toEqual(expectedReport("import"));
  });

  it("every entry exports the same names to require() and import, without the optional peer installed", async () => {
    const program = `import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const names = (module) => Object.keys(module).filter((name) => name !== "default" && name !== "__esModule").sort();
const report = {};
for (const entry of ${JSON.stringify(entries)}) report[entry] = { require: names(require(entry)), import: names(await import(entry)) };
console.log(JSON.stringify(report));`;
    const report = (await node(apps.bare, "entries", ["--input-type=module", "-e", program])) as Record<string, { require: string[]; import: string[] }>;
    expect(Object.keys(report)).toEqual(entries);
    for (const [entry, { require, import: imported }] of Object.entries(report)) {
      expect(require, entry).toEqual(imported);
      expect(require.length, entry).toBeGreaterThan(0);
    }
    expect(report[`${packageName}/inspector/stately`]!.import).toEqual(["createStatelyInspector"]);
    expect(report[`${packageName}/xstate`]!.import).toContain("socketActor");
    expect(report[`${packageName}/machines`]!.import).toEqual(expect.arrayContaining(["connectionMachine", "namespaceMachine", "backoffMachine", "ackMachine"]));
  });

  it("the CommonJS entries share one Manager class: a socketActor's Socket is an instance of require(...).Socket", async () => {
    const program = `const { Socket } = require("${packageName}");
const { socketActor } = require("${packageName}/xstate");
const { createActor } = require("xstate");
const actor = createActor(socketActor, { input: { url: process.env.SERVER_URL } });
const { io } = require("${packageName}");
const created = [];
const original = io.Manager.prototype.socket;
io.Manager.prototype.socket = function (...args) { const socket = original.apply(this, args); created.push(socket); return socket; };
actor.start();
actor.stop();
console.log(JSON.stringify({ created: created.length, shared: created.every((socket) => socket instanceof Socket) }));`;
    expect(await node(apps.bare, "shared classes", ["-e", program])).toEqual({ created: 1, shared: true });
  });

  it("require() of dist/socket.io.js returns the standalone script's io, like socket.io-client's", async () => {
    const program = `const io = require("${packageName}/dist/socket.io.js");
console.log(JSON.stringify({ io: typeof io, keys: Object.keys(io).sort(), protocol: io.protocol, self: io.io === io }));`;
    expect(await node(apps.bare, "script", ["-e", program])).toEqual({
      io: "function",
      keys: ["Manager", "Socket", "connect", "default", "io", "protocol"],
      protocol: 5,
      self: true,
    });
  });
});

// ---------------------------------------------------------------- bundlers

interface Bundle {
  code: string;
  /** The absolute paths of the modules it holds. */
  inputs: string[];
}

type Bundler = (app: PackedApp, entry: string) => Promise<Bundle>;

const outDir = (app: PackedApp, name: string) => {
  const dir = join(app.dir, "out", name);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const bundlers: Record<string, Bundler> = {
  async esbuild(app, entry) {
    const esbuild = await import("esbuild");
    const result = await esbuild.build({
      absWorkingDir: app.dir,
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      logLevel: "silent",
      platform: "browser",
      format: "iife",
      outfile: join(outDir(app, "esbuild"), "bundle.js"),
    });
    const [output] = result.outputFiles;
    if (!output) throw new Error(`esbuild produced no output for ${entry}`);
    return { code: output.text, inputs: Object.keys(result.metafile.inputs).map((input) => join(app.dir, input)) };
  },

  async vite(app, entry) {
    const { build } = await import("vite");
    const result = await build({
      root: app.dir,
      configFile: false,
      logLevel: "silent",
      // what `vite build` uses: its "development|production" condition follows NODE_ENV, "test" under vitest
      resolve: { conditions: ["module", "browser", "production"] },
      build: {
        write: false,
        minify: false,
        modulePreload: false,
        rollupOptions: { input: join(app.dir, entry), output: { format: "iife", inlineDynamicImports: true, entryFileNames: "bundle.js" } },
      },
    });
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((one) => ("output" in one ? one.output : []));
    const chunk = outputs.find((output) => output.type === "chunk");
    if (!chunk || chunk.type !== "chunk" || outputs.filter((output) => output.type === "chunk").length !== 1) {
      throw new Error(`Vite produced ${outputs.length} outputs for ${entry}, not one chunk`);
    }
    return { code: chunk.code, inputs: chunk.moduleIds.filter((id) => !id.startsWith("\0")) };
  },

  async webpack(app, entry) {
    const { default: webpack } = await import("webpack");
    const path = outDir(app, "webpack");
    const compiler = webpack({
      mode: "production",
      context: app.dir,
      entry: `./${entry}`,
      target: "web",
      devtool: false,
      output: { path, filename: "bundle.js", asyncChunks: false },
      optimization: { minimize: false },
      performance: { hints: false },
      infrastructureLogging: { level: "error" },
    });
    const stats = await new Promise<import("webpack").Stats>((resolve, reject) =>
      compiler.run((error, stats) => (error || !stats ? reject(error ?? new Error("webpack: no stats")) : resolve(stats))),
    );
    await new Promise((resolve) => compiler.close(resolve));
    const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
    if (stats.hasErrors()) throw new Error(`webpack failed on ${entry}:\n${errors?.map((error) => error.message).join("\n")}`);
    expect(warnings?.map((warning) => warning.message) ?? [], `webpack warnings for ${entry}`).toEqual([]);
    const inputs: string[] = [];
    const collect = (module: import("webpack").Module) => {
      const { resource, modules } = module as { resource?: string; modules?: Iterable<import("webpack").Module> };
      if (resource) inputs.push(resource);
      for (const inner of modules ?? []) collect(inner); // a concatenated module
    };
    for (const module of stats.compilation.modules) collect(module);
    return { code: readFileSync(join(path, "bundle.js"), "utf8"), inputs };
  },
};

/** Every entry but the Stately one, and xstate itself: the app's machine invokes socketActor. */
const appSource = `import { io, Manager, Socket, protocol } from "${packageName}";
import { io as debugIo } from "${packageName}/debug";
import { connectionMachine, namespaceMachine } from "${packageName}/machines";
import { socketActor } from "${packageName}/xstate";
import { transitionLogger } from "${packageName}/inspector";
import scriptIo from "${packageName}/dist/socket.io.js";
import { createActor, setup } from "xstate";
window.app = { io, debugIo, scriptIo, Manager, Socket, protocol, connectionMachine, namespaceMachine, socketActor, transitionLogger, createActor, setup };
`;
const statelySource = `import { createStatelyInspector } from "${packageName}/inspector/stately";
import { io } from "${packageName}";
window.stately = { createStatelyInspector, io };
`;

/** The files of this package that a bundle holds. */
const ours = (inputs: string[]) => inputs.filter((input) => input.includes(`/node_modules/${packageName}/`));

/** The package directories of xstate that a bundle holds modules of. */
const xstateCopies = (inputs: string[]) => [...new Set(inputs.map((input) => /^(.*\/node_modules\/xstate)\//.exec(input)?.[1]).filter(Boolean))];

describe.each(Object.keys(bundlers))("%s bundles every entry for browsers", (name) => {
  const ready = browserSuite();
  const bundler = bundlers[name]!;
  let appBundle: Bundle;
  let statelyBundle: Bundle;

  beforeAll(async () => {
    writeFileSync(join(apps.bare.dir, "browser-app.js"), appSource);
    writeFileSync(join(apps.full.dir, "stately-app.js"), statelySource);
    [appBundle, statelyBundle] = await Promise.all([bundler(apps.bare, "browser-app.js"), bundler(apps.full, "stately-app.js")]);
  }, 60_000);

  it("/, /debug, /machines, /xstate, /inspector and /dist/socket.io.js without @statelyai/inspect installed, with one xstate (the app's) and the browser transports", () => {
    const { inputs, code } = appBundle;
    expect(ours(inputs).length).toBeGreaterThan(0);
    const modules = ours(inputs).filter((input) => !input.endsWith("/dist/socket.io.js"));
    expect(modules.filter((input) => !input.endsWith(".mjs")), 'only ESM files (the "import" condition)').toEqual([]);
    expect(xstateCopies(inputs)).toHaveLength(1);
    expect(inputs.filter((input) => /@statelyai/.test(input))).toEqual([]);
    expect(inputs.filter((input) => /node_modules\/(ws|xmlhttprequest-ssl|debug)\//.test(input) || /\.node\.js$/.test(input))).toEqual([]);
    expect(inputs.some((input) => /engine\.io-client\/build\/esm\/transports\/websocket\.js$/.test(input))).toBe(true);
    expect(code.match(nodeOnly) ?? []).toEqual([]);
  });

  it("/inspector/stately with @statelyai/inspect, which it bundles", () => {
    const { inputs, code } = statelyBundle;
    expect(inputs).toContainEqual(expect.stringMatching(new RegExp(`/node_modules/${packageName}/dist/stately\\.mjs$`)));
    expect(inputs.some((input) => /@statelyai\/inspect\/dist\/index\.mjs$/.test(input))).toBe(true);
    expect(xstateCopies(inputs)).toHaveLength(1);
    expect(code.match(nodeOnly) ?? []).toEqual([]);
  });

  it("the bundles run in Chromium: io() connects and acks, the logger and socketActor work, the Stately inspector sends to its server", async () => {
    const { browser, server: pageServer } = await ready();
    const inspection = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    const received: string[] = [];
    inspection.on("connection", (ws) => ws.on("message", (data) => received.push(JSON.parse(String(data)).type)));
    await new Promise((resolve) => inspection.once("listening", resolve));
    const tab = await openPage(browser);
    try {
      pageServer.file(`/${name}/app.js`, appBundle.code);
      pageServer.file(`/${name}/stately.js`, statelyBundle.code);
      await tab.page.goto(pageServer.page(`/${name}.html`, testPage(`<script src="/${name}/app.js"></script>\n<script src="/${name}/stately.js"></script>`)));
      const result = await tab.page.evaluate(async (inspectionUrl) => {
        const lines: string[] = [];
        const socket = testing.track(app.io({ forceNew: true, inspect: app.transitionLogger({ log: (line: string) => lines.push(line) }) }));
        await testing.waitFor(socket, "connect");
        const ack = await socket.emitWithAck("echo", "bundled");
        socket.disconnect();

        const machine = app.setup({ actors: { socket: app.socketActor } }).createMachine({
          initial: "connecting",
          states: { connecting: { invoke: { src: "socket", input: { url: location.origin } }, on: { "socket.connected": "online" } }, online: {} },
        });
        const actor = app.createActor(machine).start();
        await new Promise<void>((resolve) => actor.subscribe((snapshot: any) => snapshot.value === "online" && resolve()));
        actor.stop();

        stately.inspector = await stately.createStatelyInspector({ url: inspectionUrl });
        const inspected = testing.track(stately.io({ forceNew: true, inspect: stately.inspector.inspect }));
        await testing.waitFor(inspected, "connect");
        inspected.disconnect();
        return {
          ack,
          debugIsIo: app.debugIo === app.io,
          // the UMD script, imported as a CommonJS module: its io()
          script: { io: typeof app.scriptIo, self: app.scriptIo.io === app.scriptIo, protocol: app.scriptIo.protocol },
          opened: lines.some((line) => /active\.engine\.opening -> active\.engine\.open/.test(line)),
          // the package's machines are made by the app's xstate
          oneXState: Object.getPrototypeOf(app.connectionMachine) === Object.getPrototypeOf(app.setup({}).createMachine({})),
        };
      }, `ws://127.0.0.1:${(inspection.address() as { port: number }).port}`);
      expect(result).toEqual({ ack: "bundled", debugIsIo: true, script: { io: "function", self: true, protocol: 5 }, opened: true, oneXState: true });
      await waitUntil(() => received.includes("@xstate.snapshot"));
      expect(received).toContain("@xstate.actor");
      await tab.page.evaluate(() => stately.inspector.stop());
      expect(tab.errors, "errors in the page").toEqual([]);
    } finally {
      await tab.close();
      for (const client of inspection.clients) client.terminate();
      await new Promise((resolve) => inspection.close(resolve));
    }
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition(), "the inspection server received the inspector's events").toBe(true);
}

describe("esbuild bundles the package for Node", () => {
  it("with Node's transports, into a CommonJS bundle that connects, acks and lets the process exit", async () => {
    const esbuild = await import("esbuild");
    const { bare } = apps;
    writeFileSync(join(bare.dir, "node-app.mjs"), clientProgram(`import { io, Manager, Socket, protocol } from "${packageName}";`));
    const result = await esbuild.build({
      absWorkingDir: bare.dir,
      entryPoints: ["node-app.mjs"],
      bundle: true,
      metafile: true,
      logLevel: "silent",
      platform: "node",
      format: "cjs",
      outfile: join(outDir(bare, "node"), "node-app.cjs"),
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContainEqual(expect.stringMatching(new RegExp(`node_modules/${packageName}/dist/index\\.mjs$`)));
    expect(inputs.some((input) => /engine\.io-client\/build\/esm(-debug)?\/transports\/websocket\.node\.js$/.test(input))).toBe(true);
    expect(await node(apps.bare, "bundled for node", [join(bare.dir, "out", "node", "node-app.cjs")])).toEqual(expectedReport("bundled for node"));
  });
});

it.each(["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js"])("the prebuilt dist/%s holds no Node-only module", (file) => {
  expect(readFileSync(join(distDir, file), "utf8").match(nodeOnly) ?? []).toEqual([]);
});
