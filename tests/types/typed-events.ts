// Typed events as in the socket.io TypeScript docs: this file is compiled
// (tsc -p ., and tests/types/typed-events.test.ts), never run. Every
// `@ts-expect-error` line must stay an error: TypeScript reports an unused one.
import { io, Manager, type Socket } from "../../src/index.js";

interface ServerToClientEvents {
  noArg: () => void;
  basicEmit: (a: number, b: string, c: Buffer) => void;
  withAck: (d: string, callback: (e: number) => void) => void;
}

interface ClientToServerEvents {
  hello: () => void;
  request: (id: number, callback: (result: string) => void) => void;
}

export async function typedUsage() {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io();

  socket.emit("hello");
  socket.emit("request", 1, (result) => {
    const text: string = result;
    void text;
  });

  socket.on("noArg", () => {});
  socket.on("basicEmit", (a, b, c) => {
    // a is inferred as number, b as string and c as Buffer
    const sum: number = a + 1;
    const upper: string = b.toUpperCase();
    const size: number = c.byteLength;
    void [sum, upper, size];
  });
  socket.on("withAck", (d, callback) => {
    // d is inferred as string and callback as a function that takes a number
    callback(d.length);
  });
  socket.once("noArg", () => {});
  socket.off("basicEmit");

  // reserved events keep their documented signatures
  socket.on("connect", () => {});
  socket.on("connect_error", (err) => {
    const message: string = err.message;
    void message;
  });
  socket.on("disconnect", (reason, details) => {
    const why: string = reason;
    void [why, details];
  });

  // timeout(): acknowledgement callbacks take an error first
  socket.timeout(5000).emit("request", 2, (err, result) => {
    const error: Error = err;
    const text: string = result;
    void [error, text];
  });
  const response: string = await socket.emitWithAck("request", 3);
  const withTimeout: string = await socket.timeout(1000).emitWithAck("request", 4);
  void [response, withTimeout];

  // the Manager
  const manager = new Manager<ServerToClientEvents, ClientToServerEvents>("http://localhost");
  const admin: Socket<ServerToClientEvents, ClientToServerEvents> = manager.socket("/admin");
  admin.io.on("reconnect_attempt", (attempt) => {
    const n: number = attempt;
    void n;
  });

  // @ts-expect-error an event the client does not emit
  socket.emit("unknown");
  // @ts-expect-error "hello" takes no argument
  socket.emit("hello", 1);
  // @ts-expect-error "request" takes a number
  socket.emit("request", "one", () => {});
  // @ts-expect-error an event the server does not send
  socket.on("unknown", () => {});
  // @ts-expect-error "basicEmit" gives a number first
  socket.on("basicEmit", (a: string) => void a);
  // @ts-expect-error "withAck" gives a string first
  socket.on("withAck", (d: number) => void d);
  // @ts-expect-error the acknowledgement of "request" is a string
  const wrongResponse: number = await socket.emitWithAck("request", 5);
  // @ts-expect-error emitWithAck checks the arguments too
  await socket.emitWithAck("request", "five");
  // @ts-expect-error the reason of "disconnect" is a string
  socket.on("disconnect", (reason: number) => void reason);
  // @ts-expect-error not a Manager event
  manager.on("not-a-manager-event", () => {});
  void wrongResponse;
}
