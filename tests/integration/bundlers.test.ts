// The package as its users consume it: `import { io } from "socket.io-client-xstate"`
// resolved through package.json "exports" by esbuild (for browsers and for Node),
// and by Node itself through `require()` and `import`.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../support/servers.js";
import { browserSuite, distDir, ensureBuild, openPage, root, testPage, type PageTesting } from "../browser/harness.js";

// a global of the test page (code passed to page.evaluate runs there)
declare const testing: PageTesting;
declare const app: { io: any; Manager: any; Socket: any; protocol: any };

const packageName = "socket.io-client-xstate";
/** What a bundle for browsers must not contain: require() calls, node: builtins, and the ws package's WebSocket handshake. */
const nodeOnly = /\brequire\(["'][^"']+["']\)|from\s*["']node:[^"']*["']|["']node:[a-z_/]+["']|Sec-WebSocket-Key|permessage-deflate/g;
/** A project that depends on the package: node_modules/socket.io-client-xstate links to this repository. */
let project: string;
let server: EchoServer;

beforeAll(async () => {
  await ensureBuild();
  project = mkdtempSync(join(tmpdir(), "sioxs-bundlers-"));
  mkdirSync(join(project, "node_modules"));
  symlinkSync(root, join(project, "node_modules", packageName), "dir");
  server = await startEchoServer();
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});

async function bundle(entry: string, contents: string, options: { platform: "browser" | "node"; format: "esm" | "cjs" | "iife" }) {
  const esbuild = await import("esbuild");
  writeFileSync(join(project, entry), contents);
  const result = await esbuild.build({
    absWorkingDir: project,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    logLevel: "silent",
    outfile: join(project, "out", entry.replace(/\.\w+$/, options.format === "cjs" ? ".cjs" : ".js")),
    ...options,
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  return { code: output.text, path: output.path, inputs: Object.keys(result.metafile.inputs) };
}

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

/** Runs node in the project directory; resolves with the JSON it printed last. */
function runNode(kind: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: project, timeout: 10_000, env: { ...process.env, SERVER_URL: server.url, CLIENT_KIND: kind } },
      (error, stdout, stderr) => {
        if (error) {
          const why = error.killed ? "did not exit within 10 s after disconnect() (something left running)" : `exited with ${error.code}`;
          return reject(new Error(`node ${kind} ${why}\nstdout: ${stdout}\nstderr: ${stderr}`));
        }
        const lastLine = stdout.trim().split("\n").at(-1) ?? "";
        try {
          resolve(JSON.parse(lastLine));
        } catch {
          reject(new Error(`node ${kind} printed no report\nstdout: ${stdout}\nstderr: ${stderr}`));
        }
      },
    );
  });
}

describe("Node resolves the package through its exports", () => {
  it('require("socket.io-client-xstate") loads the CommonJS entry, which connects, acks and lets the process exit', async () => {
    const report = await runNode("require", ["-e", clientProgram(`const { io, Manager, Socket, protocol } = require("${packageName}");`)]);
    expect(report).toEqual(expectedReport("require"));
  });

  it('import { io } from "socket.io-client-xstate" loads the ESM entry, which connects, acks and lets the process exit', async () => {
    const report = await runNode("import", ["--input-type=module", "-e", clientProgram(`import { io, Manager, Socket, protocol } from "${packageName}";`)]);
    expect(report).toEqual(expectedReport("import"));
  });
});

describe("esbuild bundles the package for Node", () => {
  it("with Node's transports, into a CommonJS bundle that connects, acks and lets the process exit", async () => {
    const program = clientProgram(`import { io, Manager, Socket, protocol } from "${packageName}";`);
    const built = await bundle("node-app.mjs", program, { platform: "node", format: "cjs" });
    expect(built.inputs).toContainEqual(expect.stringMatching(/(^|\/)dist\/index\.js$/)); // the "import" condition of "exports"
    expect(built.inputs.some((input) => /engine\.io-client\/build\/esm(-debug)?\/transports\/websocket\.node\.js$/.test(input))).toBe(true);
    mkdirSync(join(project, "out"), { recursive: true });
    writeFileSync(built.path, built.code);
    expect(await runNode("bundled for node", [built.path])).toEqual(expectedReport("bundled for node"));
  });
});

it.each(["socket.io.js", "socket.io.esm.min.js"])("the prebuilt dist/%s holds no Node-only module", (file) => {
  expect(readFileSync(join(distDir, file), "utf8").match(nodeOnly) ?? []).toEqual([]);
});

describe("esbuild bundles the package for browsers", () => {
  const ready = browserSuite();
  const appSource = `import { io, Manager, Socket, protocol } from "${packageName}";\nwindow.app = { io, Manager, Socket, protocol };\n`;
  let browserBundle: Awaited<ReturnType<typeof bundle>>;

  beforeAll(async () => {
    browserBundle = await bundle("browser-app.js", appSource, { platform: "browser", format: "iife" });
  });

  it("with the browser transports and no Node-only module (ws, xmlhttprequest-ssl, node: builtins)", () => {
    const { inputs, code } = browserBundle;
    expect(inputs.filter((input) => /node_modules\/(ws|xmlhttprequest-ssl|debug)\//.test(input))).toEqual([]);
    expect(inputs.filter((input) => /\.node\.js$/.test(input))).toEqual([]);
    expect(inputs.some((input) => /engine\.io-client\/build\/esm\/transports\/websocket\.js$/.test(input))).toBe(true);
    expect(code.match(nodeOnly) ?? []).toEqual([]);
  });

  it("into a script that loads in Chromium, exposes io/Manager/Socket/protocol and connects to the page's origin", async () => {
    const { browser, server: pageServer } = await ready();
    pageServer.file("/browser-app.js", browserBundle.code);
    const tab = await openPage(browser);
    try {
      await tab.page.goto(pageServer.page("/bundled.html", testPage(`<script src="/browser-app.js"></script>`)));
      const shape = await tab.page.evaluate(() => ({ io: typeof app.io, Manager: typeof app.Manager, Socket: typeof app.Socket, protocol: app.protocol }));
      expect(shape).toEqual({ io: "function", Manager: "function", Socket: "function", protocol: 5 });
      const socket = await tab.page.evaluateHandle(() => testing.track(app.io()));
      await socket.evaluate((s) => testing.waitFor(s, "connect"));
      expect(await socket.evaluate((s) => s.emitWithAck("echo", "bundled"))).toBe("bundled");
      await socket.evaluate((s) => s.disconnect());
      expect(tab.errors, "errors in the page").toEqual([]);
    } finally {
      await tab.close();
    }
  });
});
