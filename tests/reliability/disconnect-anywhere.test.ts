// disconnect() at every point of every lifecycle (issue 13): a client process
// (fixtures/disconnect-at.ts) is brought to one point (opening, connected,
// waiting for the backoff, about to reconnect, reconnecting, handshaking,
// acknowledgements or a retries queue pending, two namespaces, upgrading) and
// calls disconnect(). Right after it, the Manager is closed with no transport
// or backoff running and every Socket is inactive; every pending emission
// ended as docs/acknowledgements.md says; and the process then exits on its
// own: a timer, socket or listener left running would keep it alive.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "vitest";
import { startEchoServer, startProxy } from "../support/servers.js";
import { until, within } from "../support/util.js";
import type { Outcome } from "./fixtures/disconnect-at.js";

const fixture = fileURLToPath(new URL("./fixtures/disconnect-at.ts", import.meta.url));
const DISCONNECTED = "socket has been disconnected";
const PENDING_ACKS = { plain: "never called", timeout: DISCONNECTED, emitWithAck: DISCONNECTED };

interface Case {
  point: string;
  transports: string;
  acks?: Record<string, string>;
  namespaces?: string[];
  /**
   * A long-polling handshake request in flight: engine.io-client cannot abort
   * it (docs/differences.md, known limitations), so the process exits once
   * the network drops it; the test cuts the proxy after disconnect().
   */
  pendingRequest?: boolean;
}

const cases: Case[] = [
  { point: "opening", transports: "websocket" },
  { point: "opening", transports: "polling", pendingRequest: true },
  { point: "connected", transports: "websocket" },
  { point: "waiting for backoff", transports: "websocket", acks: { buffered: DISCONNECTED } },
  { point: "about to reconnect", transports: "websocket" },
  { point: "reconnecting", transports: "websocket" },
  { point: "reconnecting", transports: "polling", pendingRequest: true },
  { point: "handshaking, auth pending", transports: "websocket" },
  { point: "handshaking, server silent", transports: "websocket", namespaces: ["/silent"] },
  { point: "handshaking, server silent", transports: "polling", namespaces: ["/silent"] },
  { point: "acks pending", transports: "websocket", acks: PENDING_ACKS },
  { point: "retries pending", transports: "websocket", acks: { first: DISCONNECTED, second: DISCONNECTED, third: DISCONNECTED } },
  { point: "two namespaces", transports: "websocket", acks: PENDING_ACKS, namespaces: ["/", "/silent"] },
  { point: "upgrade starting", transports: "polling,websocket" },
  { point: "upgrading", transports: "polling,websocket" },
];

/** Runs the client process for one case; resolves with what it reported once it exited on its own. */
async function disconnectAt({ point, transports, pendingRequest }: Case) {
  const server = await startEchoServer();
  const proxy = await startProxy(server.port);
  // "/silent": the server's middleware never answers the CONNECT
  let silentHandshakes = 0;
  server.io.of("/silent").use(() => void silentHandshakes++);
  const child = spawn(process.execPath, ["--import", "tsx", fixture, point, proxy.url, transports], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  let outcome: Outcome | undefined;
  const answer = (type: string) => child.connected && child.send({ type });
  child.on("message", async (message: { type: string; outcome?: Outcome }) => {
    switch (message.type) {
      case "stall":
        proxy.stall();
        return answer("stall");
      case "stall-and-cut":
        proxy.stall();
        proxy.cut();
        return answer("stall-and-cut");
      case "cut-and-refuse":
        proxy.refuse();
        proxy.cut();
        return answer("cut-and-refuse");
      case "wait-for-connection":
        await until(() => proxy.connections > 0, "the client's TCP connection to the proxy");
        return answer("wait-for-connection");
      case "wait-for-handshake":
        await until(() => silentHandshakes > 0, "the client's CONNECT to /silent");
        return answer("wait-for-handshake");
      case "outcome":
        outcome = message.outcome;
        if (pendingRequest) proxy.cut();
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const code = await within(exited, 20_000, `the client process to exit on its own after disconnect() (${point})`).catch((error: Error) => {
      throw new Error(`${error.message}; its output:\n${output}`);
    });
    return { code, outcome, output };
  } finally {
    child.kill();
    await proxy.close();
    await server.close();
  }
}

// every case is a process of its own, mostly waiting: they run side by side
describe.concurrent("disconnect() at every point of the lifecycles leaves nothing running and lets the process exit", () => {
  for (const entry of cases) {
    it(`${entry.point} (${entry.transports})`, { timeout: 30_000 }, async ({ expect }) => {
      const { code, outcome, output } = await disconnectAt(entry);
      expect(code, output).toBe(0);
      expect(outcome, `no outcome reported: ${output}`).toBeDefined();
      const namespaces = entry.namespaces ?? ["/"];
      expect(outcome!.state).toBe("closed");
      // no transport, no backoff: only the (inactive) namespace actors
      expect(outcome!.children).toEqual(namespaces);
      expect(outcome!.sockets).toEqual(namespaces.map((nsp) => ({ nsp, active: false, connected: false })));
      expect(outcome!.acks).toEqual(entry.acks ?? {});
    });
  }
});
