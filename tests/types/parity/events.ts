// Typed events, as in the socket.io TypeScript docs.
import { io, Manager, type Socket } from "socket.io-client";

interface ServerToClientEvents {
  noArg: () => void;
  basicEmit: (a: number, b: string, c: ArrayBuffer) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
}

interface ClientToServerEvents {
  hello: () => void;
  request: (id: number, callback: (result: string) => void) => void;
}

export async function typedEvents(): Promise<void> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io("http://localhost:3000");
  socket.emit("hello");
  socket.emit("request", 1, (result) => {
    const text: string = result;
    void text;
  });
  socket.on("noArg", () => {});
  socket.on("basicEmit", (a, b, c) => {
    const values: [number, string, number] = [a + 1, b.toUpperCase(), c.byteLength];
    void values;
  });
  socket.on("withAck", (d, callback) => callback(d.length));
  // reserved events keep their documented signatures
  socket.on("connect", () => {});
  socket.on("connect_error", (err) => void err.message.toUpperCase());
  socket.on("disconnect", (reason, details) => {
    const why: string = reason;
    void [why, details];
  });
  socket.once("noArg", () => {});
  socket.off("basicEmit");
  socket.off("withAck", () => {});
  socket.removeAllListeners("noArg");
  const listening: boolean = socket.hasListeners("noArg");
  const listeners = socket.listeners("basicEmit");
  void [listening, listeners.length];

  socket.timeout(5000).emit("request", 2, (err, result) => {
    const error: Error = err;
    const text: string = result;
    void [error, text];
  });
  const response: string = await socket.emitWithAck("request", 3);
  const withTimeout: string = await socket.timeout(1000).emitWithAck("request", 4);
  void [response, withTimeout];

  const manager = new Manager<ServerToClientEvents, ClientToServerEvents>("http://localhost");
  const admin: Socket = manager.socket("/admin");
  admin.io.on("reconnect_attempt", (attempt) => void attempt.toFixed());
  const plain = manager.socket("/plain");
  plain.emit("anything", 1, { two: [3] }, (answer: unknown) => void answer);
  plain.on("anything", (...args: any[]) => void args);

  socket.emit("unknown"); // error
  socket.emit("hello", 1); // error
  socket.emit("request", "one", () => {}); // error
  socket.on("unknown", () => {}); // error
  socket.on("basicEmit", (a: string) => void a); // error
  socket.on("withAck", (d: number) => void d); // error
  const wrongResponse: number = await socket.emitWithAck("request", 5); // error
  await socket.emitWithAck("request", "five"); // error
  socket.on("disconnect", (reason: number) => void reason); // error
  manager.on("not-a-manager-event", () => {}); // error
  void wrongResponse;
}
