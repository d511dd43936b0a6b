// Embedding: a Socket invoked as an actor by an app's own machine, and the
// client's running actors reachable from the facade.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createActor, SimulatedClock, waitFor as waitForSnapshot, type AnyActorRef, type InspectionEvent } from "xstate";
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
