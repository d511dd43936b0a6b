// npm run docs:screenshot: docs/live-view.png, the live view (adapters/live-view.ts)
// in Debian's Chromium, after a real client connected two namespaces to a real
// socket.io server, lost its connection (a cut through a TCP proxy) and
// reconnected, with an acknowledgement pending.
import path from "node:path";
import { chromium } from "playwright-core";
import type { Socket as ServerSocket } from "socket.io";
import { startLiveView } from "../adapters/live-view.js";
import { io } from "../src/index.js";
import { startEchoServer, startProxy } from "../tests/support/servers.js";
import { projectRoot } from "./generate.js";

const output = path.join(projectRoot, "docs", "live-view.png");
const once = (emitter: { once(event: string, fn: () => void): unknown }, event: string) => new Promise<void>((resolve) => emitter.once(event, () => resolve()));

const server = await startEchoServer();
// "hold": acknowledged only when the screenshot is taken
const held: Array<() => void> = [];
server.io.on("connection", (socket: ServerSocket) => socket.on("hold", (ack: () => void) => held.push(ack)));
const proxy = await startProxy(server.port);
const view = await startLiveView();
const browser = await chromium.launch({
  executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1680, height: 900 } });
  await page.goto(view.url);
  await page.waitForFunction(() => document.getElementById("status")?.textContent === "live");

  const socket = io(proxy.url, { transports: ["websocket"], reconnectionDelay: 20, randomizationFactor: 0, inspect: view.inspect });
  await once(socket, "connect");
  const admin = socket.io.socket("/admin").connect();
  await once(admin, "connect");
  const reconnected = once(socket.io, "reconnect");
  proxy.cut();
  await reconnected;
  await Promise.all([once(socket, "connect"), once(admin, "connect")]);
  const answer = socket.emitWithAck("hold");
  while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));

  const highlighted = (machine: string, state: string) =>
    page.waitForFunction(([machine, state]) => document.querySelector(`section[data-machine="${machine}"] g.state.current`)?.getAttribute("data-state") === state, [machine, state] as const);
  await highlighted("connection", "active.engine.open");
  await highlighted("namespace", "active.connected");
  await highlighted("backoff", "elapsed");
  await page.screenshot({ path: output, fullPage: true });
  console.log(`wrote ${path.relative(projectRoot, output)}`);

  for (const ack of held) ack();
  await answer;
  socket.disconnect();
  admin.disconnect();
} finally {
  await browser.close();
  await view.stop();
  await proxy.close();
  await server.close();
}
