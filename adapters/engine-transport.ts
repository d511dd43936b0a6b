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
import type { Packet, Transport, TransportCommand, TransportEvent, TransportInput } from "../machines/transport.js";
import { afterTurn, turn } from "../src/dispatch.js";
import { reportError } from "../src/report-error.js";

/** The handshake packets: the namespace machines handle them; EVENT and ACK packets take the data plane. */
const isHandshakePacket = (type: number) =>
  type === PacketType.CONNECT || type === PacketType.CONNECT_ERROR || type === PacketType.DISCONNECT;

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
      return Array.isArray(data) && (typeof data[0] === "string" || typeof data[0] === "number");
    case PacketType.ACK:
    case PacketType.BINARY_ACK:
      return Array.isArray(data) && id !== undefined;
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

  /** What the inspector shows of it. */
  toJSON() {
    return { transport: this.engine.transport?.name, id: this.engine.id };
  }
}

export const engineTransport = fromCallback<TransportCommand, TransportInput, TransportEvent>(
  ({ input, sendBack, receive }) => {
    let transport: EngineTransport | undefined;
    let decoder: InstanceType<TransportInput["parser"]["Decoder"]> | undefined;
    let stopped = false;
    const report = (event: TransportEvent) => turn(() => sendBack(event));

    const onDecoded = (packet: unknown) => {
      if (transport!.closed) return;
      if (!isWellFormed(packet)) {
        fail(new Error("invalid packet"));
        return;
      }
      try {
        input.deliver(packet);
      } catch (error) {
        // the data plane reports its listeners' errors itself; anything else is ours, never the host's
        reportError(error);
      }
      if (isHandshakePacket(packet.type)) report({ type: "transport.packet", packet });
    };
    const onData = (data: unknown) => {
      if (transport!.closed) return;
      try {
        decoder!.add(data);
      } catch (error) {
        fail(toError(error));
      }
    };
    const onOpen = () => report({ type: "transport.opened" });
    const onError = (error: unknown) => report({ type: "transport.error", error: toError(error) });
    const onClose = (reason: string, description?: Error | { description: string; context?: unknown }) => {
      if (transport!.closed) return;
      transport!.closed = true;
      report({ type: "transport.closed", reason, description });
    };
    const fail = (error: Error) => onClose("parse error", error);
    const onPing = () => report({ type: "transport.ping" });

    afterTurn(() => {
      if (stopped) return;
      // a copy: engine.io-client writes into its options, and they are read again on every attempt
      const engine = new Engine(input.uri, { ...input.engineOptions } as Partial<EngineOptions>);
      transport = new EngineTransport(engine, new input.parser.Encoder());
      decoder = new input.parser.Decoder();
      engine.on("open", onOpen);
      engine.on("error", onError);
      engine.on("close", onClose);
      engine.on("ping", onPing);
      engine.on("data", onData);
      decoder.on("decoded", onDecoded);
      report({ type: "transport.created", transport });
    });

    // writing and closing call user code (engine listeners, a custom encoder): once the actors are idle
    receive((command) => {
      const target = transport;
      if (command.type !== "transport.send" || !target || target.closed) return;
      // written before the close of the same turn, if any: a DISCONNECT leaves before the engine closes
      afterTurn(() => {
        try {
          target.send(command.packet);
        } catch (error) {
          report({ type: "transport.unsendable", packet: command.packet, error: toError(error) });
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
