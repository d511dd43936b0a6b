// Embedding: a Socket invoked as an actor by an app's own machine, and the
// client's running actors reachable from the facade.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assign, createActor, sendTo, setup, SimulatedClock, waitFor as waitForSnapshot, type AnyActorRef, type InspectionEvent } from "xstate";
import { socketActor, type SocketActorCommand, type SocketActorReport } from "../../adapters/xstate.js";
import { chatMachine } from "../../docs/examples/chat.js";
import { io } from "../../src/index.js";
import { startEchoServer, startProxy, type EchoServer } from "../support/servers.js";
import { until, waitFor } from "../support/util.js";

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(() => server.close());

describe("socketActor: the client inside the app's actor system (the docs example, docs/examples/chat.ts)", () => {
  it("the app's inspect sees the client's actors, its clock drives the reconnection, sendTo commands it, and stopping it stops them", async () => {
    const chatServer = await startEchoServer();
    const proxy = await startProxy(chatServer.port);
    try {
      chatServer.io.on("connection", (socket) => {
        socket.emit("message", "server", `welcome ${socket.handshake.auth.token}`);
        socket.on("message", (text: string, ack: (stored: boolean) => void) => ack(text.length > 0));
      });
      const clock = new SimulatedClock();
      const inspected: InspectionEvent[] = [];
      const app = createActor(chatMachine, { input: { url: proxy.url, token: "t1" }, clock, inspect: (event) => inspected.push(event) }).start();
      const socket = app.getSnapshot().children.socket!;
      const values: string[] = [];
      // what a useSelector on the value would see
      socket.subscribe((snapshot) => {
        if (values.at(-1) !== snapshot.value) values.push(snapshot.value);
      });
      const connects: unknown[] = [];
      socket.on("connect", (event) => connects.push(event));
      await waitForSnapshot(app, (s) => s.context.messages.length === 1, { timeout: 3000 });
      expect(app.getSnapshot().context.messages).toEqual(["server: welcome t1"]);
      expect(socket.getSnapshot()).toMatchObject({ value: "connected", context: { connected: true, active: true, recovered: false } });
      expect(socket.getSnapshot().context.id).toEqual(expect.any(String));

      // the client's actors belong to the app's system, under the socket actor
      const machineOf = (ref: AnyActorRef) => (ref as { logic?: { id?: string } }).logic?.id;
      const parentOf = (ref: AnyActorRef) => (ref as { _parent?: AnyActorRef })._parent;
      const created = inspected.filter((event) => event.type === "@xstate.actor").map((event) => event.actorRef as AnyActorRef);
      const connection = created.find((ref) => machineOf(ref) === "connection")!;
      expect(parentOf(connection)).toBe(socket);
      expect(created.some((ref) => machineOf(ref) === "namespace" && parentOf(ref) === connection)).toBe(true);
      expect(connection.system).toBe(app.system);

      // sendTo commands it; its acknowledgement is an actor the app's inspect sees
      app.send({ type: "say", text: "hello" });
      await waitForSnapshot(app, (s) => s.context.stored === 1, { timeout: 3000 });
      expect(inspected.some((event) => event.type === "@xstate.actor" && machineOf(event.actorRef as AnyActorRef) === "ack")).toBe(true);

      // the app's clock drives the reconnection: nothing happens until it moves
      proxy.cut();
      await waitForSnapshot(connection, (s) => (s as { matches(v: unknown): boolean }).matches({ active: "waiting" }), { timeout: 3000 });
      expect(socket.getSnapshot().value).toBe("connecting");
      const attempts = inspected.filter((event) => event.type === "@xstate.event" && event.event.type === "xstate.done.actor.backoff").length;
      expect(attempts).toBe(0);
      clock.increment(5000);
      await waitForSnapshot(socket, (s) => s.value === "connected", { timeout: 3000 });
      await waitForSnapshot(app, (s) => s.context.messages.length === 2, { timeout: 3000 });
      expect(connects).toEqual([{ type: "connect" }, { type: "connect" }]);
      expect(values).toEqual(["connected", "connecting", "connected"]);

      // leaving the state stops the socket actor: the server sees the client leave, and its actors stop
      const serverSide = chatServer.serverSocket(socket.getSnapshot().context.id);
      const left = waitFor(serverSide, "disconnect");
      app.send({ type: "leave" });
      expect((await left)[0]).toBe("client namespace disconnect");
      expect(socket.getSnapshot().status).toBe("stopped");
      expect(connection.getSnapshot().status).toBe("stopped");
      await until(() => proxy.connections === 0, "the engine to close");
      app.stop();
    } finally {
      await proxy.close();
      await chatServer.close();
    }
  });
});

describe("socketActor's commands and reports", () => {
  /** An app that invokes the socket actor, keeps every report it gets, and passes `command` events on to it. */
  const appMachine = setup({
    types: {
      input: {} as { url: string; events?: string[] },
      context: {} as { url: string; events?: string[]; reports: SocketActorReport[] },
      events: {} as SocketActorReport | { type: "command"; command: SocketActorCommand },
    },
    actors: { socket: socketActor },
  }).createMachine({
    context: ({ input }) => ({ ...input, reports: [] }),
    invoke: {
      id: "socket",
      src: "socket",
      input: ({ context }) => ({ url: context.url, options: { transports: ["websocket"] }, ...(context.events ? { events: context.events } : {}) }),
    },
    on: {
      command: { actions: sendTo("socket", ({ event }) => (event as { command: SocketActorCommand }).command) },
      "*": { actions: assign({ reports: ({ context, event }) => [...context.reports, event as SocketActorReport] }) },
    },
  });

  it("connect_error (a refusal: not retried), then socket.connect, socket.emit, socket.emitWithAck (answered, timed out), the wanted events only, socket.disconnect", async () => {
    const guarded = await startEchoServer();
    let handshakes = 0;
    guarded.io.use((_socket, next) => (++handshakes === 1 ? next(new Error("not yet")) : next()));
    guarded.io.on("connection", (serverSocket) => {
      serverSocket.on("push", () => {
        serverSocket.emit("unwanted", 1);
        serverSocket.emit("wanted", 2, "two");
      });
    });
    const app = createActor(appMachine, { input: { url: guarded.url, events: ["wanted"] } }).start();
    try {
      const socket = app.getSnapshot().children.socket!;
      const emitted: unknown[] = [];
      socket.on("*", (event) => emitted.push(event));
      const reports = () => app.getSnapshot().context.reports;
      const command = (command: SocketActorCommand) => app.send({ type: "command", command });
      const reportOf = async <T extends SocketActorReport["type"]>(type: T, after = 0) =>
        (await waitForSnapshot(app, (s) => s.context.reports.slice(after).some((report) => report.type === type), { timeout: 3000 })).context.reports
          .slice(after)
          .find((report) => report.type === type) as Extract<SocketActorReport, { type: T }>;

      const refused = await reportOf("socket.connectError");
      expect(refused.error.message).toBe("not yet");
      expect(refused.willRetry).toBe(false);
      expect(socket.getSnapshot()).toMatchObject({ value: "inactive", context: { connected: false, active: false, id: undefined } });

      command({ type: "socket.connect" });
      const connected = await reportOf("socket.connected");
      expect(socket.getSnapshot()).toMatchObject({ value: "connected", context: { id: connected.id, connected: true, active: true } });

      command({ type: "socket.emit", event: "note", args: ["a", 1] });
      command({ type: "socket.emitWithAck", requestId: "echoed", event: "echo", args: ["back"] });
      command({ type: "socket.emitWithAck", requestId: "unanswered", event: "never-ack", timeout: 50 });
      await waitForSnapshot(app, (s) => s.context.reports.filter((report) => report.type === "socket.ack").length === 2, { timeout: 3000 });
      const acks = reports().filter((report) => report.type === "socket.ack");
      expect(acks.find((ack) => ack.requestId === "echoed")).toEqual({ type: "socket.ack", requestId: "echoed", response: "back" });
      const unanswered = acks.find((ack) => ack.requestId === "unanswered")!;
      expect(unanswered.error?.message).toBe("operation has timed out");
      expect(unanswered).not.toHaveProperty("response");
      expect(guarded.received("note")).toEqual([["a", 1]]);

      // both events are emitted by the actor; only the wanted one is reported to the parent
      const before = reports().length;
      command({ type: "socket.emit", event: "push" });
      const wanted = await reportOf("socket.event", before);
      expect(wanted).toEqual({ type: "socket.event", name: "wanted", args: [2, "two"] });
      expect(reports().filter((report) => report.type === "socket.event")).toEqual([wanted]);
      expect(emitted).toEqual(
        expect.arrayContaining([
          { type: "unwanted", args: [1] },
          { type: "wanted", args: [2, "two"] },
        ]),
      );

      const serverSide = guarded.serverSocket(connected.id);
      const left = waitFor(serverSide, "disconnect");
      command({ type: "socket.disconnect" });
      const disconnected = await reportOf("socket.disconnected");
      expect(disconnected).toMatchObject({ reason: "io client disconnect", willReconnect: false });
      expect((await left)[0]).toBe("client namespace disconnect");
      expect(socket.getSnapshot()).toMatchObject({ value: "inactive", context: { connected: false, active: false, id: undefined } });
      expect(emitted.filter((event) => ["connect", "connect_error", "disconnect"].includes((event as { type: string }).type)).map((event) => (event as { type: string }).type)).toEqual([
        "connect_error",
        "connect",
        "disconnect",
      ]);
    } finally {
      app.stop();
      await guarded.close();
    }
  });
});

describe("the facade's actors", () => {
  it("manager.actor and socket.actor are the running connection and namespace actors", async () => {
    const socket = io(server.url, { forceNew: true });
    try {
      expect(socket.io.actor.getSnapshot().context.namespaces.get("/")).toBe(socket.actor);
      await waitForSnapshot(socket.actor!, (s) => s.hasTag("connected"), { timeout: 3000 });
      expect(socket.connected).toBe(true);
      expect(socket.io.actor.getSnapshot().matches({ active: { engine: "open" } })).toBe(true);
    } finally {
      socket.disconnect();
    }
    await until(() => socket.io.actor.getSnapshot().matches("closed"), "the connection actor to close");
  });
});
