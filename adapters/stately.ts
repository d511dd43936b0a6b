// The Stately inspector for a Manager's actors: socket.io-client-xstate/inspector/stately.
// @statelyai/inspect is an optional peer dependency, loaded when
// createStatelyInspector() is called: this entry is the only one that names
// it, so an app that does not use it bundles without it.
//
// With a `url`, the inspection events go over a WebSocket of our own rather
// than @statelyai/inspect's WebSocket adapter, which retries every 5 s forever
// when nothing answers, also after stop(), and so keeps Node.js running.
import type { InspectionEvent, Observer } from "xstate";
import { statelySanitizers } from "./inspector.js";

export interface StatelyInspectorOptions {
  /**
   * The WebSocket URL of an inspection server (for instance `createInspectorServer()`
   * of `@statelyai/inspect/server`, which relays to the inspector in a browser).
   * Without it, the inspector opens in a new browser window: in Node.js, give one.
   */
  url?: string;
}

export interface StatelyInspector {
  /** The observer to give a Manager as its `inspect` option. */
  inspect: Observer<InspectionEvent>;
  /** Stops sending and closes the window's channel or the WebSocket: nothing keeps running. */
  stop(): void;
}

/** The part of a WebSocket (the browser's, Node.js 22's or the ws package's) used here. */
interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  send(data: string): void;
  close(): void;
}
type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;
const PEER = "@statelyai/inspect";

/**
 * Opens the Stately inspector (`npm install @statelyai/inspect`): in a browser,
 * a window on stately.ai/inspect; with `url`, a WebSocket to an inspection
 * server. Rejects at once, with a message saying what to do, when the package
 * is missing, when there is no window and no `url`, or when nothing answers at `url`.
 *
 * @example
 * const inspector = await createStatelyInspector({ url: "ws://localhost:8080" });
 * const socket = io(url, { inspect: inspector.inspect });
 * // later
 * inspector.stop();
 */
export async function createStatelyInspector(options: StatelyInspectorOptions = {}): Promise<StatelyInspector> {
  const { url } = options;
  if (url === undefined && typeof window === "undefined") {
    throw new Error(
      "createStatelyInspector(): there is no browser window to open the Stately inspector in. " +
        'Outside a browser, give the URL of an inspection server: createStatelyInspector({ url: "ws://localhost:8080" }), ' +
        'with createInspectorServer() of "@statelyai/inspect/server" listening there.',
    );
  }
  const stately = await loadStately();
  if (url === undefined) {
    const inspector = stately.createBrowserInspector({ ...statelySanitizers });
    return { inspect: inspector.inspect, stop: () => inspector.stop() };
  }
  const channel = await connect(url);
  const inspector = stately.createInspector({ send: (event) => channel.send(event) }, { ...statelySanitizers });
  return { inspect: inspector.inspect, stop: () => channel.close() };
}

async function loadStately(): Promise<typeof import("@statelyai/inspect")> {
  try {
    return await import("@statelyai/inspect");
  } catch (error) {
    if (isMissing(error, PEER)) {
      throw new Error(
        `createStatelyInspector() needs ${PEER}, an optional peer dependency of socket.io-client-xstate: npm install ${PEER}`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** Whether `error` says that `name` itself (not one of its own imports) could not be found. */
function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  return typeof message === "string" && (message.includes(`'${name}'`) || message.includes(`"${name}"`));
}

/** A WebSocket open to `url`, sending inspection events as JSON; rejects when nothing answers there. */
async function connect(url: string): Promise<{ send(event: unknown): void; close(): void }> {
  const WebSocketImpl = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? (await loadWs());
  const socket = await new Promise<WebSocketLike>((resolve, reject) => {
    let socket: WebSocketLike;
    try {
      socket = new WebSocketImpl(url);
    } catch (error) {
      return reject(new Error(`createStatelyInspector(): ${JSON.stringify(url)} is not a WebSocket URL (ws:// or wss://)`, { cause: error }));
    }
    socket.onopen = () => resolve(socket);
    socket.onerror = (event) => {
      const detail = (event as { message?: unknown }).message;
      reject(
        new Error(
          `createStatelyInspector(): no inspection server answered at ${url}${typeof detail === "string" && detail ? ` (${detail})` : ""}. ` +
            'Start one there first, e.g. createInspectorServer() of "@statelyai/inspect/server".',
        ),
      );
    };
  });
  let stopped = false;
  socket.onerror = null;
  socket.onclose = () => {
    if (!stopped) console.warn(`createStatelyInspector(): the inspection server at ${url} closed the connection; inspection events are dropped from now on`);
  };
  return {
    send(event) {
      if (!stopped && socket.readyState === OPEN) socket.send(toJson(event));
    },
    close() {
      stopped = true;
      socket.close();
    },
  };
}

/** The ws package, for Node.js before 22 (no global WebSocket); never bundled for browsers, which have one. */
async function loadWs(): Promise<WebSocketConstructor> {
  const specifier = "ws";
  try {
    const ws = (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor };
    const WebSocketImpl = ws.WebSocket ?? ws.default;
    if (typeof WebSocketImpl === "function") return WebSocketImpl;
  } catch {
    // reported below
  }
  throw new Error("createStatelyInspector({ url }): this runtime has no WebSocket (Node.js before 22) and the ws package could not be loaded: npm install ws");
}

/** JSON of an inspection event: cycles and depth cut (a context may hold an engine), BigInts as strings. */
function toJson(value: unknown, depthLimit = 10): string {
  const ancestors: unknown[] = [];
  return JSON.stringify(value, function (this: unknown, _key, item: unknown) {
    if (typeof item === "bigint") return item.toString();
    if (typeof item !== "object" || item === null) return item;
    // `this` holds `item`: the ancestors of `item` are those up to `this`
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(item)) return "[Circular]";
    if (ancestors.length > depthLimit) return "[...]";
    ancestors.push(item);
    return item;
  });
}
