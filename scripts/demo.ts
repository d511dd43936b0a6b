// npm run demo: an embedded socket.io server, the client, and every state
// transition of every machine as it happens. The connection is cut on purpose
// (through a TCP proxy) to show the reconnection with backoff.
//
// npm run demo -- --view: the same, also drawn live in a browser page
// (adapters/live-view.ts). The demo waits for the page, goes slower so that
// the states can be followed, and keeps the page up until Ctrl-C.
import { createServer } from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { transitionLogger } from "../adapters/inspector.js";
import { startLiveView } from "../adapters/live-view.js";
import { io } from "../src/index.js";

const started = performance.now();
const stamp = () => `+${String(Math.round(performance.now() - started)).padStart(5)} ms`;
const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const dim = (text: string) => (colour ? `\x1b[2m${text}\x1b[0m` : text);
const bold = (text: string) => (colour ? `\x1b[1m${text}\x1b[0m` : text);
const say = (text: string) => console.log(`${stamp()}  ${bold("» " + text)}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const view = process.argv.includes("--view") ? await startLiveView() : undefined;
if (view) {
  say(`live view: open ${view.url} in a browser (Ctrl-C to quit)`);
  while (view.pages === 0) await sleep(100);
  say("a page follows the live view; the demo starts");
}
// with the live view, time to see each step
const pause = () => (view ? sleep(1500) : Promise.resolve());

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

const logger = transitionLogger({ log: (line) => console.log(`${stamp()}  ${dim(line)}`) });
const socket = io(url, {
  transports: ["websocket"],
  // long enough, with the live view, to see the wait in the backoff diagram
  reconnectionDelay: view ? 2000 : 200,
  randomizationFactor: 0,
  inspect: view
    ? (inspection) => {
        logger(inspection);
        view.inspect(inspection);
      }
    : logger,
});
socket.on("connect", () => say(`connect: id ${socket.id}`));
socket.on("welcome", (text: string) => say(`event "welcome": ${text}`));
socket.on("disconnect", (reason) => say(`disconnect: "${reason}" (active: ${socket.active}, so it ${socket.active ? "will" : "won't"} reconnect)`));
socket.io.on("reconnect_attempt", (attempt) => say(`reconnect_attempt ${attempt}`));
socket.io.on("reconnect", (attempt) => say(`reconnect after ${attempt} attempt(s)`));

const once = (event: string) => new Promise<void>((resolve) => socket.once(event as "connect", () => resolve()));

await once("connect");
await pause();
say('emit "hello" and wait for the acknowledgement');
say(`ack: ${await socket.timeout(1000).emitWithAck("hello", "demo")}`);

await pause();
say("cut the network (every TCP connection through the proxy)");
for (const end of links) end.destroy();
await once("connect");
await pause();
say(`ack after the reconnection: ${await socket.timeout(1000).emitWithAck("hello", "again")}`);
await pause();

say("disconnect()");
socket.disconnect();
say(`manager ${socket.io._readyState}, socket active: ${socket.active}`);

await new Promise<void>((resolve) => server.close(() => resolve()));
await new Promise<void>((resolve) => proxy.close(() => resolve()));
say("done");
if (view) {
  say(`the live view stays at ${view.url}; Ctrl-C to quit`);
  process.once("SIGINT", () => void view.stop().then(() => say("live view stopped")));
}
