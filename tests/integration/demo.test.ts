// The README's quick start: `npm run demo` (scripts/demo.ts) runs an embedded
// socket.io server and the client, logs the lifecycle as the machines take
// their transitions, and ends on its own: a timer, socket or actor left
// running after disconnect() would keep its process alive.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { within } from "../support/util.js";

const demo = fileURLToPath(new URL("../../scripts/demo.ts", import.meta.url));

describe("the demo of the README's quick start", () => {
  it("connects, gets its ack, reconnects after the cut, disconnects, and its process exits on its own", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", demo], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let errors = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (errors += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const code = await within(exited, 30_000, "the demo to end").finally(() => child.kill());
    expect(errors).toBe("");
    expect(code).toBe(0);
    // what it says (» lines), without the time stamps and the ids
    const said = output
      .split("\n")
      .filter((line) => line.includes("» "))
      .map((line) => line.slice(line.indexOf("» ") + 2).replace(/[\w-]{20}/g, "<id>"));
    expect(said).toEqual([
      expect.stringMatching(/^socket\.io server on 127\.0\.0\.1:\d+, reached through a proxy at http:\/\/127\.0\.0\.1:\d+$/),
      "connect: id <id>",
      'event "welcome": you are <id>',
      'emit "hello" and wait for the acknowledgement',
      "ack: hello, demo",
      "cut the network (every TCP connection through the proxy)",
      'disconnect: "transport close" (active: true, so it will reconnect)',
      "reconnect_attempt 1",
      // the Manager's reconnect comes before the Socket's connect, as in the official client
      "reconnect after 1 attempt(s)",
      "connect: id <id>",
      'event "welcome": you are <id>',
      "ack after the reconnection: hello, again",
      "disconnect()",
      'disconnect: "io client disconnect" (active: false, so it won\'t reconnect)',
      "manager closed, socket active: false",
      "done",
    ]);
    // the machines' transitions are logged between them, as they are taken
    expect(output).toMatch(/connection\s+active\.engine\.open -> active\.waiting\s+on transport\.closed/);
    expect(output).toMatch(/connection\/namespace \/\s+active\.handshaking\.awaitingServer -> active\.connected\s+on server\.connect/);
  });
});
