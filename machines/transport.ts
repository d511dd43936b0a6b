// The one small interface the connection machine sees of a low-level connection.
// adapters/engine-transport.ts puts engine.io-client behind it; nothing in
// machines/ imports engine.io-client or socket.io-parser at run time. What the
// machine holds of it (the endpoint it is created with, the live handle) are
// hidden references (machines/secrets.ts): options hold headers, query tokens
// and TLS keys, and the engine holds them too.
import type { Packet } from "socket.io-parser";
import type { Hidden } from "./secrets.js";

export type { Packet };

/** The second argument of the `disconnect` and `close` events. */
export type DisconnectDescription = Error | { description: string; context?: unknown };

/** A parser in the shape of socket.io-parser (the `parser` option). */
export interface Parser {
  Encoder: new () => { encode(packet: Packet): unknown[] };
  Decoder: new () => {
    add(chunk: unknown): void;
    destroy(): void;
    on(event: "decoded", listener: (packet: Packet) => void): unknown;
    off?(event: "decoded", listener?: (packet: Packet) => void): unknown;
  };
}

/** A handle on the current low-level connection, for the data plane (emits, acks). */
export interface Transport {
  /** The engine.io-client socket, as `manager.engine`. */
  readonly engine: unknown;
  /** Encodes one packet and writes it. Throws a TypeError when it cannot be encoded. */
  send(packet: Packet): void;
  /** Whether a packet written now leaves at once (a volatile packet is dropped otherwise). */
  readonly writable: boolean;
  /** True when the server missed its heartbeat: the connection is dead but not closed yet. */
  isStale(): boolean;
  /** True once this connection closed, or the machine let it go: nothing written to it would arrive. */
  readonly closed: boolean;
}

/** Where and how to connect. */
export interface Endpoint {
  uri: string;
  /** Handed to engine.io-client unchanged. */
  engineOptions: Record<string, unknown>;
  parser: Parser;
  /** Receives every decoded packet, synchronously; EVENT and ACK packets only take this path. */
  deliver: (packet: Packet) => void;
}

/** A transport actor's input: the endpoint, hidden. */
export type TransportInput = Hidden<Endpoint>;

/**
 * What the transport actor reports to the connection machine. A CONNECT of
 * the server in `transport.packet` carries `{ sid, recovered }`: the transport
 * keeps the session id to recover (`pid`) in the namespace's credentials.
 */
export type TransportEvent =
  | { type: "transport.created"; transport: Hidden<Transport> }
  | { type: "transport.opened" }
  | { type: "transport.error"; error: Error }
  | { type: "transport.closed"; reason: string; description?: DisconnectDescription }
  | { type: "transport.ping" }
  /** A packet the parser could not encode (a CONNECT whose `auth` holds a BigInt or a cycle): nothing was written. */
  | { type: "transport.unsendable"; packet: Packet; error: Error }
  /** A namespace handshake packet (CONNECT, CONNECT_ERROR, DISCONNECT) for the namespace machines. */
  | { type: "transport.packet"; packet: Packet };

/** What the connection machine asks of the transport actor. */
export type TransportCommand = { type: "transport.send"; packet: Packet };
