// engine.io-client behind the connection machine's transport interface.
// One actor per connection attempt: it creates the engine, reports what the
// engine does as events (each one a turn: src/dispatch.ts), and closes the
// engine when the machine leaves the state that invoked it. Every listener is
// removed when it stops, so nothing reaches the machine after it moved on.
// What touches the engine (create, write, close) can call user code (engine
// listeners, a custom parser), so it runs once the actors are idle, after the
// listeners of the same turn: a `reconnect_attempt` listener that stops the
// loop stops the actor first, and no engine is made (the official client
// checks for that too).
import { Socket as Engine, type SocketOptions as EngineOptions } from "engine.io-client";
import { PacketType } from "socket.io-parser";
import { fromCallback } from "xstate";
import { connectPayload, isCredentials, startSession, type Credentials } from "../machines/credentials.js";
import { hide, redact, reveal } from "../machines/secrets.js";
import type {
  DisconnectDescription,
  Endpoint,
  Packet,
  Transport,
  TransportCommand,
  TransportEvent,
  TransportInput,
} from "../machines/transport.js";
import { afterTurn, turn } from "../src/dispatch.js";
import { reportError } from "../src/report-error.js";

/** The handshake packets: the namespace machines handle them; EVENT and ACK packets take the data plane. */
const isHandshakePacket = (type: number) =>
  type === PacketType.CONNECT || type === PacketType.CONNECT_ERROR || type === PacketType.DISCONNECT;

/**
 * The most arguments an EVENT or ACK may carry. Each one is passed to a
 * listener or callback as an argument, and a call with hundreds of thousands
 * of them overflows the stack (about 125,000 at the top of Node.js's): such a
 * packet is a "parse error", like any other the client cannot deliver.
 */
export const MAX_ARGUMENTS = 16_384;

/**
 * Whether a decoded packet has the shape the protocol promises. socket.io-parser
 * already checks this; a custom `parser` may not, and a hostile server must
 * not be able to reach the data plane with, say, an EVENT whose data is not an array.
 */
export function isWellFormed(packet: unknown): packet is Packet {
  if (typeof packet !== "object" || packet === null) return false;
  const { type, nsp, id, data } = packet as Packet;
  if (typeof nsp !== "string" || nsp.charAt(0) !== "/") return false;
  if (id !== undefined && !(Number.isInteger(id) && id >= 0)) return false;
  switch (type) {
    case PacketType.EVENT:
    case PacketType.BINARY_EVENT:
      return Array.isArray(data) && data.length <= MAX_ARGUMENTS && (typeof data[0] === "string" || typeof data[0] === "number");
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      return Array.isArray(data) && data.length <= MAX_ARGUMENTS && id !== undefined;
    case PacketType.CONNECT:
      return data === undefined || (typeof data === "object" && data !== null && !Array.isArray(data));
    case PacketType.CONNECT_ERROR:
      return typeof data === "string" || (typeof data === "object" && data !== null);
    case PacketType.DISCONNECT:
      return true;
    default:
      return false;
  }
}

const toError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));

/**
 * What the user's listeners get of an engine error's context or of a close
 * description's event: engine.io-client hands out the request itself (an
 * XMLHttpRequest, or a `ws` event whose target is the WebSocket), and those
 * hold the URL with its query tokens, and the headers. A plain copy keeps what
 * says what happened: the status, its text and the response, the event's type, code, reason
 * and message. With the Manager option `exposeTransportDetails`, the originals.
 */
function detailsOf(value: unknown): unknown {
  if (typeof value !== "object" || value === null || value instanceof Error) return value;
  const source = value as Record<string, unknown>;
  const kept: Record<string, unknown> = {};
  for (const key of ["type", "status", "statusText", "responseText", "readyState", "code", "reason", "wasClean", "message", "error", "description"]) {
    const field = source[key];
    if (field === undefined || typeof field === "function") continue;
    kept[key] = key === "statusText" && field instanceof Error ? field.message : typeof field === "object" && !(field instanceof Error) ? detailsOf(field) : field;
  }
  return kept;
}

/**
 * The engine error as the user's listeners get it: its context and description
 * as plain copies (detailsOf). A request that failed before any answer (status
 * 0) gets its reason as description, as a WebSocket error has: "xhr poll error"
 * then says why (a refused certificate, a refused connection).
 */
function forListeners<T>(value: T, expose: boolean): T {
  if (expose || typeof value !== "object" || value === null) return value;
  const fields = value as Record<string, unknown>;
  const cause = (fields.context as { statusText?: unknown } | undefined)?.statusText;
  if ("context" in fields) fields.context = detailsOf(fields.context);
  if (fields.description === 0 && cause instanceof Error) fields.description = cause;
  else if ("description" in fields) fields.description = detailsOf(fields.description);
  return value;
}

/** What the machines see of an engine error: its message and plain fields, not its request (URL, headers). */
function redactError(error: Error): Error {
  const copy = new Error(error.message) as Error & Record<string, unknown>;
  copy.name = error.name;
  copy.stack = error.stack;
  for (const [key, value] of Object.entries(error)) if (value === null || typeof value !== "object") copy[key] = value;
  return redact(error, copy);
}

/** What the machines see of a close description: its text, not its event or request. */
function redactDescription(description: DisconnectDescription | undefined): DisconnectDescription | undefined {
  if (description === undefined) return undefined;
  if (description instanceof Error) return redactError(description);
  return redact(description, { description: description.description });
}

/** Reports `event` to the machine, as a turn (src/dispatch.ts). */
function report(sendBack: (event: TransportEvent) => void, event: TransportEvent) {
  turn(() => sendBack(event));
}

/** The data plane's handle on one engine. */
class EngineTransport implements Transport {
  readonly engine: Engine;
  readonly #encoder: { encode(packet: Packet): unknown[] };
  /** Set when the engine closed or the machine let it go. */
  closed = false;

  constructor(engine: Engine, encoder: { encode(packet: Packet): unknown[] }) {
    this.engine = engine;
    this.#encoder = encoder;
  }

  send(packet: Packet): void {
    let encoded: unknown[];
    try {
      encoded = this.#encoder.encode(packet);
    } catch (error) {
      throw new TypeError(`cannot encode the packet: ${toError(error).message}`, { cause: error });
    }
    const options = (packet as { options?: object }).options;
    for (let i = 0; i < encoded.length; i++) this.engine.write(encoded[i] as string, options);
  }

  get writable(): boolean {
    return !!this.engine.transport?.writable;
  }

  isStale(): boolean {
    return (this.engine as unknown as { _hasPingExpired?: () => boolean })._hasPingExpired?.() ?? false;
  }
}

/**
 * The server's CONNECT as the machines see it: `{ sid, recovered }`. The
 * session id to recover (`pid`) goes into the credentials the CONNECT was sent with.
 */
function withoutSecrets(packet: Packet, sentWith: Credentials | undefined): Packet {
  const data = packet.data as { sid?: unknown; pid?: unknown } | undefined;
  const pid = typeof data?.pid === "string" ? data.pid : undefined;
  const recovered = sentWith ? startSession(sentWith, pid) : false;
  return { type: packet.type, nsp: packet.nsp, data: { sid: data?.sid, recovered } };
}

export const engineTransport = fromCallback<TransportCommand, TransportInput, TransportEvent>(
  ({ input, sendBack, receive }) => {
    const endpoint = reveal(input);
    let transport: EngineTransport | undefined;
    let decoder: InstanceType<Endpoint["parser"]["Decoder"]> | undefined;
    let stopped = false;
    /** The credentials of the CONNECT sent for each namespace on this engine, for the server's answer (made on the first). */
    let handshakes: Map<string, Credentials> | undefined;

    const onDecoded = (packet: unknown) => {
      if (transport!.closed) return;
      if (!isWellFormed(packet)) {
        onClose("parse error", new Error("invalid packet"));
        return;
      }
      try {
        endpoint.deliver(packet);
      } catch (error) {
        // the data plane reports its listeners' errors itself; anything else is ours, never the host's
        reportError(error);
      }
      if (!isHandshakePacket(packet.type)) return;
      let forMachine = packet;
      if (packet.type === PacketType.CONNECT || packet.type === PacketType.CONNECT_ERROR) {
        // one answer per CONNECT sent: a later CONNECT (which the namespace ignores) must not start a session to recover
        const sentWith = handshakes?.get(packet.nsp);
        handshakes?.delete(packet.nsp);
        if (packet.type === PacketType.CONNECT) forMachine = withoutSecrets(packet, sentWith);
      }
      report(sendBack, { type: "transport.packet", packet: forMachine });
    };
    const onData = (data: unknown) => {
      if (transport!.closed) return;
      try {
        decoder!.add(data);
      } catch (error) {
        onClose("parse error", toError(error));
      }
    };
    const onOpen = () => report(sendBack, { type: "transport.opened" });
    const expose = !!endpoint.engineOptions.exposeTransportDetails;
    const onError = (error: unknown) => report(sendBack, { type: "transport.error", error: redactError(forListeners(toError(error), expose)) });
    const onClose = (reason: string, description?: DisconnectDescription) => {
      if (transport!.closed) return;
      transport!.closed = true;
      report(sendBack, { type: "transport.closed", reason, description: redactDescription(forListeners(description, expose)) });
    };
    const onPing = () => report(sendBack, { type: "transport.ping" });

    afterTurn(() => {
      if (stopped) return;
      // a copy: engine.io-client writes into its options, and they are read again on every attempt
      const engine = new Engine(endpoint.uri, { ...endpoint.engineOptions } as Partial<EngineOptions>);
      transport = new EngineTransport(engine, new endpoint.parser.Encoder());
      decoder = new endpoint.parser.Decoder();
      engine.on("open", onOpen);
      engine.on("error", onError);
      engine.on("close", onClose);
      engine.on("ping", onPing);
      engine.on("data", onData);
      decoder.on("decoded", onDecoded);
      report(sendBack, { type: "transport.created", transport: hide<Transport>(transport, "transport") });
    });

    // writing and closing call user code (engine listeners, a custom encoder): once the actors are idle
    receive((command) => {
      const target = transport;
      if (command.type !== "transport.send" || !target || target.closed) return;
      // written before the close of the same turn, if any: a DISCONNECT leaves before the engine closes
      const { packet } = command;
      const credentials = packet.type === PacketType.CONNECT && isCredentials(packet.data) ? packet.data : undefined;
      afterTurn(() => {
        try {
          // the CONNECT payload is read now, with the latest offset of a session to recover
          target.send(credentials ? { ...packet, data: connectPayload(credentials) } : packet);
          if (credentials) (handshakes ??= new Map()).set(packet.nsp, credentials);
        } catch (error) {
          report(sendBack, { type: "transport.unsendable", packet: command.packet, error: toError(error) });
        }
      });
    });

    return () => {
      stopped = true;
      if (!transport) return;
      const { engine } = transport;
      transport.closed = true;
      engine.off("open", onOpen);
      engine.off("error", onError);
      engine.off("close", onClose);
      engine.off("ping", onPing);
      engine.off("data", onData);
      decoder!.off?.("decoded", onDecoded);
      decoder!.destroy();
      afterTurn(() => engine.close());
    };
  },
);
