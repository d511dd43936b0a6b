// What the browser and bundler tests share: a fresh build of dist/, Debian's
// Chromium driven by playwright-core, and one HTTP server that serves the test
// pages and dist/ files with a real socket.io 4.8 server attached to it.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import type { Server, ServerOptions, Socket as ServerSocket } from "socket.io";
import { startEchoServer } from "../support/servers.js";
import { afterAll, beforeAll, expect } from "vitest";

export const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const distDir = join(root, "dist");

// ---------------------------------------------------------------- the build

/** The dist/ files the browser and bundler tests load (package.json and index.cjs: written last, by scripts/build.ts). */
const requiredOutputs = ["socket.io.js", "socket.io.min.js", "socket.io.esm.min.js", "index.mjs", "index.cjs", "index.d.cts", "package.json"];
const sourceRoots = ["src", "machines", "adapters", "tsup.config.ts", "scripts/build.ts", "package.json"];

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why dist/ needs a rebuild, or undefined when it is complete and newer than every source. */
function staleReason(): string | undefined {
  const missing = requiredOutputs.filter((file) => !existsSync(join(distDir, file)));
  if (missing.length > 0) return `dist/ lacks ${missing.join(", ")}`;
  const oldestOutput = Math.min(...requiredOutputs.map((file) => statSync(join(distDir, file)).mtimeMs));
  const newestSource = Math.max(...sourceRoots.filter((path) => existsSync(join(root, path))).map((path) => newestMtime(join(root, path))));
  return newestSource > oldestOutput ? "dist/ is older than the sources" : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// test files run in parallel processes: one build at a time (the build empties dist/ first)
const lockDir = join(tmpdir(), `socket.io-client-xstate-build-${Buffer.from(root).toString("hex").slice(-24)}.lock`);

async function withBuildLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(lockDir, "pid"), "utf8"));
      } catch {
        // the owner is between mkdir and writing its pid
      }
      if (Number.isInteger(owner) && !isRunning(owner)) rmSync(lockDir, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Builds dist/ with `npm run build` when it is missing or older than the sources,
 * so that `npm test` works on a fresh clone. Call from beforeAll (a build takes about a minute: the declarations).
 */
export async function ensureBuild(): Promise<void> {
  if (!staleReason()) return;
  await withBuildLock(async () => {
    const reason = staleReason(); // another test file may have built it meanwhile
    if (!reason) return;
    await new Promise<void>((resolve, reject) => {
      execFile("npm", ["run", "build"], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) return resolve();
        reject(new Error(`the test build failed (${reason}): \`npm run build\` in ${root} exited with ${error.code ?? error.signal}\n${stdout}\n${stderr}`));
      });
    });
    const after = staleReason();
    if (after) throw new Error(`\`npm run build\` succeeded but ${after}: see tsup.config.ts and scripts/build.ts`);
  });
}

// ---------------------------------------------------------------- the browser

export const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

/** Debian's Chromium, headless, with a fresh temporary profile; fails (never skips) when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not installed at ${chromiumPath}; the browser tests need it. Install it with\n` +
        `  sudo DEBIAN_FRONTEND=noninteractive apt-get update && sudo apt-get install -y --no-install-recommends chromium\n` +
        `(or set CHROMIUM_PATH to a Chromium binary). .ci/run installs it.`,
    );
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors of the page, in order. */
  errors: string[];
  close(): Promise<void>;
}

/** A page in a fresh context (no shared cache or storage), recording its errors. */
export async function openPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.stack ?? error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console.error: ${message.text()}`);
  });
  return { page, context, errors, close: () => context.close() };
}

/**
 * Chromium, a fresh build and a page server for one test file, set up once.
 * A failure (no Chromium, a broken build) is thrown by every `await ready()`,
 * so that each test fails with its message instead of being skipped.
 */
export function browserSuite(options: Partial<ServerOptions> = {}): () => Promise<{ browser: Browser; server: PageServer }> {
  let setup: Promise<{ browser: Browser; server: PageServer }> | undefined;
  beforeAll(async () => {
    setup = (async () => {
      const browser = await launchChromium();
      try {
        await ensureBuild();
        return { browser, server: await startPageServer(options) };
      } catch (error) {
        await browser.close();
        throw error;
      }
    })();
    await setup.catch(() => undefined);
  }, 180_000);
  afterAll(async () => {
    const resources = await setup?.catch(() => undefined);
    await resources?.browser.close();
    await resources?.server.close();
  });
  return () => setup ?? Promise.reject(new Error("browserSuite(): ready() called outside a test"));
}

// ---------------------------------------------------------------- the server

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

export interface PageServer {
  io: Server;
  port: number;
  /** The pages' origin, e.g. http://127.0.0.1:12345 */
  origin: string;
  /** Serves `html` at `path` (e.g. "/standalone.html"). */
  page(path: string, html: string): string;
  /** Serves a file's content at `path` (e.g. a bundle built by a test). */
  file(path: string, content: string | Uint8Array): string;
  /** The server-side socket of a connected client socket. */
  serverSocket(id: string, nsp?: string): ServerSocket;
  /** The event argument lists the server received, per event name. */
  received(name: string): unknown[][];
  close(): Promise<void>;
}

/**
 * The echo server of tests/support/servers.ts, whose HTTP server also serves
 * registered pages and dist/ under /dist/. On "/" and on namespaces like
 * "/admin", besides the echo server's handlers:
 * - "emit-back" (event, ...args): the server emits `event` with those arguments
 */
export async function startPageServer(options: Partial<ServerOptions> = {}): Promise<PageServer> {
  const served = new Map<string, { type: string; body: string | Uint8Array }>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const registered = served.get(pathname);
    if (registered) {
      res.writeHead(200, { "content-type": registered.type, "cache-control": "no-store" });
      return res.end(registered.body);
    }
    if (pathname.startsWith("/dist/")) {
      const file = resolve(distDir, "." + decodeURIComponent(pathname.slice("/dist".length)));
      if (file.startsWith(distDir + sep) && existsSync(file) && statSync(file).isFile()) {
        res.writeHead(200, { "content-type": contentTypes[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
        return res.end(readFileSync(file));
      }
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end(`not found: ${pathname}`);
  };
  const server = await startEchoServer({ ...options, handler });
  const emitBack = (socket: ServerSocket) =>
    socket.on("emit-back", (event: string, ...args: unknown[]) => {
      socket.emit(event, ...args);
    });
  server.io.on("connection", emitBack);
  server.io.of(/^\/[\w-]+$/).on("connection", emitBack);
  const { io, port, url: origin } = server;
  return {
    io,
    port,
    origin,
    page(path, html) {
      served.set(path, { type: contentTypes[".html"]!, body: html });
      return origin + path;
    },
    file(path, content) {
      served.set(path, { type: contentTypes[extname(path)] ?? "application/octet-stream", body: content });
      return origin + path;
    },
    serverSocket: (id, nsp) => server.serverSocket(id, nsp),
    received: (name) => server.received(name),
    close: () => server.close(),
  };
}

/** After a test: the page had no error (a failed suite setup is the test's own error), then it closes. */
export async function closeCheckingErrors(tab: WatchedPage | undefined): Promise<void> {
  if (!tab) return;
  try {
    expect(tab.errors, "errors in the page").toEqual([]);
  } finally {
    await tab.close();
  }
}

// ---------------------------------------------------------------- the pages

/**
 * Loaded by every test page before the client: `testing.track(socket)` records
 * the events of a Socket and its Manager (and user events from the server),
 * `testing.waitFor(socket, name, n)` resolves with the arguments of the n-th
 * `name` event. Binary values are described as { kind, bytes } so that they
 * survive the trip back to the test.
 */
export const pageHelpers = `
window.testing = (() => {
  const logs = new Map();
  const socketEvents = ["connect", "connect_error", "disconnect"];
  const managerEvents = ["open", "error", "close", "reconnect_attempt", "reconnect", "reconnect_error", "reconnect_failed"];
  function describe(value) {
    if (value instanceof ArrayBuffer) return { kind: "ArrayBuffer", bytes: Array.from(new Uint8Array(value)) };
    if (ArrayBuffer.isView(value)) return { kind: Object.prototype.toString.call(value).slice(8, -1), bytes: Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
    if (typeof Blob !== "undefined" && value instanceof Blob) return { kind: "Blob", size: value.size };
    if (value instanceof Error) return { kind: "Error", message: value.message };
    if (Array.isArray(value)) return value.map(describe);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, describe(v)]));
    return value;
  }
  function until(predicate, what, ms = 5000) {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        let value;
        try { value = predicate(); } catch (error) { return reject(error); }
        if (value) return resolve(value);
        if (Date.now() - started > ms) return reject(new Error("timed out after " + ms + " ms waiting for " + what));
        setTimeout(check, 5);
      };
      check();
    });
  }
  return {
    describe,
    until,
    track(socket) {
      const log = [];
      logs.set(socket, log);
      for (const name of socketEvents) socket.on(name, (...args) => log.push({ name, args: describe(args) }));
      for (const name of managerEvents) socket.io.on(name, (...args) => log.push({ name, args: describe(args) }));
      socket.onAny((name, ...args) => log.push({ name, args: describe(args) }));
      return socket;
    },
    /** The names of the events recorded so far, in order. */
    names(socket) {
      return logs.get(socket).map((entry) => entry.name);
    },
    waitFor(socket, name, count = 1, ms = 5000) {
      const log = logs.get(socket);
      return until(() => log.filter((entry) => entry.name === name)[count - 1], name + " #" + count, ms)
        .then((entry) => entry.args)
        .catch((error) => { throw new Error(error.message + "; events so far: " + JSON.stringify(log.map((entry) => entry.name))); });
    },
  };
})();
`;

/** The shape of `window.testing` (see pageHelpers), for code evaluated in the page. */
export interface PageTesting {
  describe(value: unknown): unknown;
  until<T>(predicate: () => T, what: string, ms?: number): Promise<T>;
  track<S>(socket: S): S;
  names(socket: unknown): string[];
  waitFor(socket: unknown, name: string, count?: number, ms?: number): Promise<any[]>;
}

/** A test page: the helpers, then `body` (the client's script tags and whatever the test needs). */
export function testPage(body: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>socket.io-client-xstate</title><link rel="icon" href="data:,">\n<script>${pageHelpers}</script>\n${body}\n</head><body></body></html>`;
}
