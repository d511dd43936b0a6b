// createStatelyInspector() fails fast, with a message saying what to do, and
// leaves nothing running after stop(): checked in this process where it can
// be, and in Node.js processes on the packed package where the question is
// "does the process exit by itself" or "is the optional peer missing".
import { describe, expect, it } from "vitest";
import { createStatelyInspector } from "../../adapters/stately.js";
import { closedPort } from "../support/servers.js";
import { packageName, runNode, usePackedApps } from "../support/packed.js";

const entry = `${packageName}/inspector/stately`;
const apps = usePackedApps();

/** A program that prints, as JSON, how createStatelyInspector(options) settled. */
function attempt(importLine: string, options: string) {
  return `${importLine}
createStatelyInspector(${options}).then(
  (inspector) => { inspector.stop(); console.log(JSON.stringify({ resolved: true })); },
  (error) => console.log(JSON.stringify({ rejected: error.message, cause: error.cause && error.cause.code })),
);`;
}

describe("without @statelyai/inspect installed", () => {
  it("import: rejects with how to install it, not Node's ERR_MODULE_NOT_FOUND", async () => {
    const program = attempt(`import { createStatelyInspector } from "${entry}";`, `{ url: "ws://127.0.0.1:1" }`);
    const { report } = await runNode(apps.bare, ["--input-type=module", "-e", program]);
    expect(report).toEqual({
      rejected: "createStatelyInspector() needs @statelyai/inspect, an optional peer dependency of socket.io-client-xstate: npm install @statelyai/inspect",
      cause: "ERR_MODULE_NOT_FOUND",
    });
  });

  it("require: the same message", async () => {
    const program = attempt(`const { createStatelyInspector } = require("${entry}");`, `{ url: "ws://127.0.0.1:1" }`);
    const { report } = await runNode(apps.bare, ["-e", program]);
    expect(report).toMatchObject({ rejected: expect.stringContaining("npm install @statelyai/inspect") });
  });

  it("/inspector (the transition logger) loads and logs without it", async () => {
    const program = `import { io } from "${packageName}";
import { transitionLogger } from "${packageName}/inspector";
const lines = [];
const socket = io(process.env.SERVER_URL, { forceNew: true, inspect: transitionLogger({ log: (line) => lines.push(line) }) });
socket.on("connect", () => {
  socket.disconnect();
  console.log(JSON.stringify({ opened: lines.some((line) => /connection\\s+active\\.engine\\.opening -> active\\.engine\\.open/.test(line)) }));
});`;
    const { report } = await runNode(apps.bare, ["--input-type=module", "-e", program], { SERVER_URL: apps.server.url });
    expect(report).toEqual({ opened: true });
  });
});

describe("createStatelyInspector() fails fast", () => {
  it("in Node.js without a url: there is no window to open the inspector in", async () => {
    await expect(createStatelyInspector()).rejects.toThrow(
      /no browser window to open the Stately inspector in\. Outside a browser, give the URL of an inspection server: createStatelyInspector\(\{ url: "ws:\/\/localhost:8080" \}\)/,
    );
  });

  it("with a url where nothing listens: rejects naming the url", async () => {
    const url = `ws://127.0.0.1:${await closedPort()}`;
    await expect(createStatelyInspector({ url })).rejects.toThrow(`createStatelyInspector(): no inspection server answered at ${url}`);
  });

  it("with a url that is not one", async () => {
    await expect(createStatelyInspector({ url: "localhost:8080" })).rejects.toThrow('createStatelyInspector(): "localhost:8080" is not a WebSocket URL');
  });

  it("and the process exits by itself after the rejection (no retry left running)", async () => {
    const program = attempt(`import { createStatelyInspector } from "${entry}";`, `{ url: "ws://127.0.0.1:${await closedPort()}" }`);
    const { report } = await runNode(apps.full, ["--input-type=module", "-e", program]);
    expect(report).toMatchObject({ rejected: expect.stringContaining("no inspection server answered at ws://127.0.0.1:") });
  });
});

describe("after stop(), nothing keeps Node.js running", () => {
  /** An inspection server (ws) and a client watched by the inspector; `order` says which of stop() and the server's end comes first. */
  function session(order: "stop first" | "server gone first") {
    return `import { WebSocketServer } from "ws";
import { io } from "${packageName}";
import { createStatelyInspector } from "${entry}";
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
await new Promise((resolve) => wss.once("listening", resolve));
const received = [];
wss.on("connection", (ws) => ws.on("message", (data) => received.push(JSON.parse(String(data)).type)));
const inspector = await createStatelyInspector({ url: "ws://127.0.0.1:" + wss.address().port });
const socket = io(process.env.SERVER_URL, { forceNew: true, inspect: inspector.inspect });
await new Promise((resolve) => socket.on("connect", resolve));
socket.disconnect();
// the inspector sends each event on the next turn of the event loop
while (!received.includes("@xstate.snapshot")) await new Promise((resolve) => setTimeout(resolve, 10));
const closeServer = () => {
  for (const client of wss.clients) client.terminate();
  return new Promise((resolve) => wss.close(resolve));
};
${order === "stop first" ? "inspector.stop();\nawait closeServer();" : "await closeServer();\ninspector.stop();"}
console.log(JSON.stringify({ received: [...new Set(received)].sort() }));`;
  }

  it.each(["stop first", "server gone first"] as const)("%s: the process exits", async (order) => {
    const { report } = await runNode(apps.full, ["--input-type=module", "-e", session(order)], { SERVER_URL: apps.server.url });
    expect(report).toEqual({ received: ["@xstate.actor", "@xstate.event", "@xstate.snapshot"] });
  });
});
