// npm run demo: an embedded socket.io server, the client, and every state
// transition of every machine as it happens. The connection is cut on purpose
// (through a TCP proxy) to show the reconnection with backoff.
import { createServer } from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { transitionLogger } from "../adapters/inspector.js";
import { io } from "../src/index.js";

const started = performance.now();
const stamp = () => `+${String(Math.round(performance.now() - started)).padStart(5)} ms`;
const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const dim = (text: string) => (colour ? `\x1b[2m${text}\x1b[0m` : text);
const bold = (text: string) => (colour ? `\x1b[1m${text}\x1b[0m` : text);
const say = (text: string) => console.log(`${stamp()}  ${bold("» " + text)}`);

// the server, with an acknowledgement handler
const http = createServer();
const server = new Server(http);
server.on("connection", (socket) => {
  socket.on("hello", (name: string, ack: (answer: string) => void) => ack(`hello, ${name}`));
  socket.emit("welcome", `you are ${socket.id}`);
});
await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
const serverPort = (http.address() as AddressInfo).port;

// a TCP proxy in front of it, so that the demo can cut the network
const links = new Set<net.Socket>();
const proxy = net.createServer((client) => {
  const upstream = net.connect(serverPort, "127.0.0.1");
  client.pipe(upstream).pipe(client);
  for (const end of [client, upstream]) {
    links.add(end);
    end.on("error", () => {});
    end.on("close", () => links.delete(end));
  }
});
await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
say(`socket.io server on 127.0.0.1:${serverPort}, reached through a proxy at ${url}`);

const socket = io(url, {
  transports: ["websocket"],
  reconnectionDelay: 200,
  randomizationFactor: 0,
  inspect: transitionLogger({ log: (line) => console.log(`${stamp()}  ${dim(line)}`) }),
});
socket.on("connect", () => say(`connect: id ${socket.id}`));
socket.on("welcome", (text: string) => say(`event "welcome": ${text}`));
socket.on("disconnect", (reason) => say(`disconnect: "${reason}" (active: ${socket.active}, so it ${socket.active ? "will" : "won't"} reconnect)`));
socket.io.on("reconnect_attempt", (attempt) => say(`reconnect_attempt ${attempt}`));
socket.io.on("reconnect", (attempt) => say(`reconnect after ${attempt} attempt(s)`));

const once = (event: string) => new Promise<void>((resolve) => socket.once(event as "connect", () => resolve()));

await once("connect");
say('emit "hello" and wait for the acknowledgement');
say(`ack: ${await socket.timeout(1000).emitWithAck("hello", "demo")}`);

say("cut the network (every TCP connection through the proxy)");
for (const end of links) end.destroy();
await once("connect");
say(`ack after the reconnection: ${await socket.timeout(1000).emitWithAck("hello", "again")}`);

say("disconnect()");
socket.disconnect();
say(`manager ${socket.io._readyState}, socket active: ${socket.active}`);

await new Promise<void>((resolve) => server.close(() => resolve()));
await new Promise<void>((resolve) => proxy.close(() => resolve()));
say("done");
