// Embedding: a Socket invoked as an actor by an app's own machine, and the
// client's running actors reachable from the facade.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assign, createActor, setup, waitFor as waitForSnapshot } from "xstate";
import { socketActor, type SocketActorReport } from "../../adapters/xstate.js";
import { io } from "../../src/index.js";
import { startEchoServer, type EchoServer } from "../support/servers.js";
import { fast, until, waitFor } from "../support/util.js";

let server: EchoServer;
beforeAll(async () => {
  server = await startEchoServer();
});
afterAll(() => server.close());

describe("socketActor", () => {
  it("reports connection, events and acknowledgements to the machine that invokes it, and disconnects when it stops", async () => {
    const machine = setup({
      types: {
        context: {} as { reports: SocketActorReport[] },
        events: {} as SocketActorReport | { type: "ask" } | { type: "leave" },
      },
      actors: { socket: socketActor },
    }).createMachine({
      context: { reports: [] },
      initial: "online",
      states: {
        online: {
          invoke: { id: "socket", src: "socket", input: { url: server.url, events: ["news"], options: { ...fast } } },
          on: {
            "socket.*": { actions: assign({ reports: ({ context, event }) => [...context.reports, event as SocketActorReport] }) },
            ask: {
              actions: ({ self }) =>
                self.getSnapshot().children.socket?.send({ type: "socket.emitWithAck", requestId: "r1", event: "echo", args: ["hi"] }),
            },
            leave: { target: "offline" },
          },
        },
        offline: {},
      },
    });
    const app = createActor(machine).start();
    const connected = await waitForSnapshot(app, (s) => s.context.reports.some((r) => r.type === "socket.connected"), { timeout: 3000 });
    const id = (connected.context.reports.find((r) => r.type === "socket.connected") as { id: string }).id;
    server.serverSocket(id).emit("news", 1, "two");
    server.serverSocket(id).emit("ignored", 3);
    app.send({ type: "ask" });
    const done = await waitForSnapshot(app, (s) => s.context.reports.some((r) => r.type === "socket.ack"), { timeout: 3000 });
    expect(done.context.reports).toContainEqual({ type: "socket.ack", requestId: "r1", response: "hi" });
    expect(done.context.reports.filter((r) => r.type === "socket.event")).toEqual([{ type: "socket.event", name: "news", args: [1, "two"] }]);
    const serverSide = server.serverSocket(id);
    const disconnected = waitFor(serverSide, "disconnect");
    app.send({ type: "leave" });
    expect((await disconnected)[0]).toBe("client namespace disconnect");
    app.stop();
  });
});

describe("the facade's actors", () => {
  it("manager.actor and socket.actor are the running connection and namespace actors", async () => {
    const socket = io(server.url, { forceNew: true });
    try {
      expect(socket.io.actor.getSnapshot().children["/"]).toBe(socket.actor);
      await waitForSnapshot(socket.actor!, (s) => s.hasTag("connected"), { timeout: 3000 });
      expect(socket.connected).toBe(true);
      expect(socket.io.actor.getSnapshot().matches({ active: { engine: "open" } })).toBe(true);
    } finally {
      socket.disconnect();
    }
    await until(() => socket.io.actor.getSnapshot().matches("closed"), "the connection actor to close");
  });
});
