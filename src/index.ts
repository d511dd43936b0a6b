// io(), the Manager cache, and the public exports: the same as socket.io-client's.
import { Manager, type ManagerOptions } from "./manager.js";
import { Socket, type SocketOptions } from "./socket.js";
import { url } from "./url.js";
import { connectionOf } from "./connection.js";
import { protocol } from "socket.io-parser";

/** Managers by URL (protocol, host, port, path), shared by io() calls unless told otherwise. */
const cache: Record<string, Manager> = {};

/**
 * Returns a Socket for the namespace of `uri` (its pathname, "/" by default),
 * on a Manager shared with the other io() calls to the same server, unless
 * `forceNew: true` or `multiplex: false`.
 *
 * @example
 * const socket = io("https://example.com/admin", { auth: { token: "abc" } });
 */
function lookup(opts?: Partial<ManagerOptions & SocketOptions>): Socket;
function lookup(uri?: string, opts?: Partial<ManagerOptions & SocketOptions>): Socket;
function lookup(uri?: string | Partial<ManagerOptions & SocketOptions>, opts?: Partial<ManagerOptions & SocketOptions>): Socket {
  if (typeof uri === "object" && uri !== null) {
    opts = uri;
    uri = undefined;
  }
  opts = opts || {};
  const parsed = url(uri as string | undefined, opts.path || "/socket.io");
  const { source, id, path } = parsed;
  // a second Socket for a namespace the cached Manager already has needs a Manager of its own
  const sameNamespace = cache[id] !== undefined && connectionOf(cache[id]).socket(path) !== undefined;
  const newConnection = opts.forceNew || (opts as Record<string, unknown>)["force new connection"] || opts.multiplex === false || sameNamespace;
  let io: Manager;
  if (newConnection) {
    io = new Manager(source, opts);
  } else if (cache[id]) {
    io = cache[id];
    // the cached Manager's actors are watched by this observer too
    if (opts.inspect) connectionOf(io).inspect(opts.inspect);
  } else {
    io = cache[id] = new Manager(source, opts);
  }
  if (parsed.query && !opts.query) opts.query = parsed.queryKey;
  return io.socket(path, opts);
}

// io.protocol as documented (the official builds leave it undefined), and the standalone build's io.Manager, io.Socket
Object.assign(lookup, { Manager, Socket, io: lookup, connect: lookup, default: lookup, protocol });

export { protocol, Manager, Socket, lookup as io, lookup as connect, lookup as default };
export type { ManagerOptions, ManagerReservedEvents } from "./manager.js";
export type { DisconnectDescription, ExtendedError, SocketOptions, SocketReservedEvents } from "./socket.js";
export { Fetch, NodeXHR, XHR, NodeWebSocket, WebSocket, WebTransport } from "engine.io-client";
