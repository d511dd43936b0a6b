// The floor of this project's design, measured next to ours and the official
// client: what any client built the way the design card asks (a connection
// actor invoking a transport actor and spawning one namespace actor per
// Socket, packets encoded by socket.io-parser and carried by engine.io-client)
// costs before a line of socket.io logic. Its machines are bare: no
// reconnection, no timeout, no auth, no acks, no checks. It connects and
// disconnects, nothing else, so the bench runs it only in the connect and
// heap-per-socket trials and bundles it: no client that keeps this design can
// go below these figures (see docs/performance.md).
import { Emitter } from "@socket.io/component-emitter";
import { Socket as Engine, type SocketOptions } from "engine.io-client";
import { Decoder, Encoder, PacketType, type Packet } from "socket.io-parser";
import { assign, createActor, emit, fromCallback, sendParent, sendTo, setup, spawnChild, type AnyActorRef } from "xstate";

type TransportEvent =
  | { type: "transport.created"; engine: Engine }
  | { type: "transport.opened" }
  | { type: "transport.closed" }
  | { type: "transport.packet"; packet: Packet };

const transport = fromCallback<{ type: "transport.send"; packet: Packet }, { uri: string; options: Partial<SocketOptions> }, TransportEvent>(
  ({ input, sendBack, receive }) => {
    const engine = new Engine(input.uri, { ...input.options });
    const encoder = new Encoder();
    const decoder = new Decoder();
    decoder.on("decoded", (packet: Packet) => sendBack({ type: "transport.packet", packet }));
    engine.on("open", () => sendBack({ type: "transport.opened" }));
    engine.on("data", (data) => decoder.add(data));
    engine.on("close", () => sendBack({ type: "transport.closed" }));
    sendBack({ type: "transport.created", engine });
    receive(({ packet }) => {
      for (const chunk of encoder.encode(packet)) engine.write(chunk);
    });
    return () => {
      decoder.destroy();
      engine.close();
    };
  },
);

type NamespaceEvent = { type: "connection.opened" } | { type: "connection.closed" } | { type: "server.connect" } | { type: "api.disconnect" };

const namespace = setup({
  types: { events: {} as NamespaceEvent, emitted: {} as { type: "connect" } | { type: "connect_error" } },
  actions: {
    sendConnect: sendParent({ type: "namespace.send", packet: { type: PacketType.CONNECT, nsp: "/" } }),
    sendDisconnect: sendParent({ type: "namespace.send", packet: { type: PacketType.DISCONNECT, nsp: "/" } }),
    announceDeactivation: sendParent({ type: "namespace.deactivated" }),
    emitConnect: emit({ type: "connect" }),
    emitConnectError: emit({ type: "connect_error" }),
  },
}).createMachine({
  initial: "awaitingConnection",
  states: {
    awaitingConnection: { on: { "connection.opened": { target: "handshaking", actions: "sendConnect" } } },
    handshaking: { on: { "server.connect": { target: "connected" }, "connection.closed": { target: "inactive", actions: "emitConnectError" } } },
    connected: { entry: "emitConnect", on: { "api.disconnect": { target: "inactive", actions: "sendDisconnect" } } },
    inactive: { entry: "announceDeactivation" },
  },
});

type ConnectionEvent =
  | TransportEvent
  | { type: "namespace.send"; packet: Packet }
  | { type: "namespace.deactivated" };

const namespaceOf = (self: AnyActorRef) => (self.getSnapshot() as { children: Record<string, AnyActorRef> }).children["/"]!;

const connection = setup({
  types: {
    context: {} as { uri: string; options: Partial<SocketOptions>; engine: Engine | undefined },
    input: {} as { uri: string; options: Partial<SocketOptions> },
    events: {} as ConnectionEvent,
    emitted: {} as { type: "open" },
  },
  actors: { transport, namespace },
  actions: {
    spawnNamespace: spawnChild("namespace", { id: "/" }),
    keepEngine: assign({ engine: ({ event }) => (event as { engine: Engine }).engine }),
    emitOpen: emit({ type: "open" }),
    announceOpen: sendTo(({ self }) => namespaceOf(self), { type: "connection.opened" }),
    announceClose: sendTo(({ self }) => namespaceOf(self), { type: "connection.closed" }),
    routePacket: sendTo(
      ({ self }) => namespaceOf(self),
      ({ event }) => ({ type: (event as { packet: Packet }).packet.type === PacketType.CONNECT ? "server.connect" : "connection.closed" }),
    ),
    sendPacket: sendTo("transport", ({ event }) => ({ type: "transport.send", packet: (event as { packet: Packet }).packet })),
  },
}).createMachine({
  context: ({ input }) => ({ ...input, engine: undefined }),
  entry: "spawnNamespace",
  initial: "connecting",
  states: {
    connecting: {
      invoke: { src: "transport", id: "transport", input: ({ context }) => ({ uri: context.uri, options: context.options }) },
      on: {
        "transport.created": { actions: "keepEngine" },
        "transport.opened": { actions: ["emitOpen", "announceOpen"] },
        "transport.packet": { actions: "routePacket" },
        "transport.closed": { target: "closed", actions: "announceClose" },
        "namespace.send": { actions: "sendPacket" },
        "namespace.deactivated": { target: "closed" },
      },
    },
    closed: {},
  },
});

class FloorManager extends Emitter<Record<string, never>, Record<string, never>, { open: () => void }> {
  constructor(readonly actor: ReturnType<typeof createActor<typeof connection>>) {
    super();
    actor.on("open", () => this.emitReserved("open"));
  }

  get engine(): Engine | undefined {
    return this.actor.getSnapshot().context.engine;
  }
}

class FloorSocket extends Emitter<Record<string, never>, Record<string, never>, { connect: () => void; connect_error: (error: Error) => void }> {
  readonly io: FloorManager;
  readonly #namespace: AnyActorRef;

  constructor(uri: string, options: Partial<SocketOptions>) {
    super();
    const actor = createActor(connection, { input: { uri, options: { path: "/socket.io", ...options } } });
    this.io = new FloorManager(actor);
    actor.start();
    this.#namespace = namespaceOf(actor);
    this.#namespace.on("connect", () => this.emitReserved("connect"));
    this.#namespace.on("connect_error", () => this.emitReserved("connect_error", new Error("connection closed")));
  }

  get connected(): boolean {
    return this.#namespace.getSnapshot().value === "connected";
  }

  disconnect(): this {
    this.#namespace.send({ type: "api.disconnect" });
    return this;
  }
}

export function io(uri: string, options: Partial<SocketOptions> = {}): FloorSocket {
  return new FloorSocket(uri, options);
}

/** The bench checks that a client exports a Manager; the floor has none of its own (io() makes one per socket). */
export class Manager {
  constructor() {
    throw new Error("the floor client has no Manager: only io(url) (connect and heap-per-socket trials)");
  }
}
