// The benchmark's socket.io 4.8 server. run.ts forks it as its own process so
// that its CPU time is never charged to the client being measured. Listens on
// 127.0.0.1, port 0; reports the port over IPC.
//
// Every namespace (the main one and any other, for the many-sockets scenario)
// answers the same events:
//   "target" (n)        reset this socket's counter; emit "done" when it reaches n
//   "e" (i, payload)    fire-and-forget, counted
//   "blackhole" (i, cb) counted; the acknowledgement is NEVER sent
//   "ping" (i, cb)      acknowledged at once with cb(i)
//   "stream" (n, chunk) the server emits n events "r" (i, payload) to this
//                       socket, `chunk` per event-loop turn (as ../shared/bench)
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server, type Socket } from "socket.io";

export type ServerRequest = { type: "stats"; id: number } | { type: "stop" };
export type ServerMessage = { type: "ready"; port: number } | { type: "stats"; id: number; clients: number };

const send = process.send?.bind(process);
if (!send) {
  console.error("bench/server.ts is started by bench/run.ts (it needs an IPC channel)");
  process.exit(2);
}

const http = createServer((_req, res) => {
  res.writeHead(404);
  res.end();
});
const io = new Server(http, {
  serveClient: false,
  // no heartbeat inside a measurement
  pingInterval: 60_000,
  pingTimeout: 60_000,
  // the many-sockets scenario creates a namespace per socket: drop them after each trial
  cleanupEmptyChildNamespaces: true,
});

function answer(socket: Socket): void {
  let count = 0;
  let target = -1;
  const counted = () => {
    if (++count === target) socket.emit("done", count);
  };
  socket.on("target", (n: number) => {
    count = 0;
    target = n;
  });
  socket.on("e", counted);
  socket.on("blackhole", counted);
  socket.on("ping", (i: unknown, ack: unknown) => {
    if (typeof ack === "function") ack(i);
  });
  socket.on("stream", (n: number, chunk: number) => {
    let i = 0;
    const pump = () => {
      if (!socket.connected) return;
      const end = Math.min(n, i + chunk);
      for (; i < end; i++) socket.emit("r", i, "payload-16-bytes");
      if (i < n) setImmediate(pump);
    };
    pump();
  });
}

io.on("connection", answer);
io.of(/.*/).on("connection", answer);

function stop(): never {
  io.close();
  http.closeAllConnections();
  process.exit(0);
}

process.on("message", (request: ServerRequest) => {
  if (request.type === "stats") send({ type: "stats", id: request.id, clients: io.engine.clientsCount } satisfies ServerMessage);
  else if (request.type === "stop") stop();
});
// the orchestrator is gone (crashed or killed): never outlive it
process.on("disconnect", stop);
process.on("SIGTERM", stop);

// a deep accept queue: the many-managers scenario opens ~1,000 connections in one burst,
// and a dropped SYN would add a 1 s retransmit to the measurement
http.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, () => {
  send({ type: "ready", port: (http.address() as AddressInfo).port } satisfies ServerMessage);
});
