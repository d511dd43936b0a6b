// No secret reaches an inspection observer: the `auth` payload, the session
// to recover (the server's pid, the offset of the last event) and the CONNECT
// payload, the headers and query tokens of the options. A recording observer
// walks everything it is given (every property, enumerable or not, of every
// object it can reach) and the transition logger prints events and contexts,
// through a connection, a recovered reconnection and a disconnection.
import type { Socket as ServerSocket } from "socket.io";
import { describe, expect, it } from "vitest";
import type { InspectionEvent } from "xstate";
import { transitionLogger } from "../../adapters/inspector.js";
import { usePerTestServers } from "../support/fixtures.js";
import { clients, fast, until, waitFor } from "../support/util.js";

const c = clients();
const { echoServer, proxyTo } = usePerTestServers(c);

/** Every string reachable from `root` through own properties (getters not called), Maps and Sets. */
function reachableStrings(root: unknown, found = new Set<string>(), seen = new Set<object>()): Set<string> {
  const stack: unknown[] = [root];
  while (stack.length) {
    const value = stack.pop();
    if (typeof value === "string") {
      found.add(value);
      continue;
    }
    if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Map) for (const [k, v] of value) stack.push(k, v);
    if (value instanceof Set) for (const v of value) stack.push(v);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && "value" in descriptor) stack.push(descriptor.value);
    }
  }
  return found;
}

describe("what inspection sees", () => {
  it("a known token, the session id to recover, offsets, headers and query tokens never reach an observer or the logger", async () => {
    // middlewares run on recovered connections too, so that the test sees every handshake
    const server = await echoServer({ connectionStateRecovery: { maxDisconnectionDuration: 60_000, skipMiddlewares: false } });
    const proxy = await proxyTo(server);
    const tokens = { auth: "auth-s3cr3t", header: "header-s3cr3t", query: "query-s3cr3t" };
    const handshakes: Array<Record<string, unknown>> = [];
    server.io.use((socket, next) => {
      handshakes.push({ ...socket.handshake.auth });
      next();
    });
    const serverSockets: ServerSocket[] = [];
    server.io.on("connection", (socket) => serverSockets.push(socket));
    const inspected: InspectionEvent[] = [];
    const logged: string[] = [];
    const logger = transitionLogger({ events: true, log: (line) => logged.push(line) });
    const socket = c.io(`${proxy.url}/?token=${tokens.query}`, {
      ...fast,
      transports: ["websocket"],
      auth: { token: tokens.auth },
      extraHeaders: { authorization: tokens.header },
      inspect: (event) => {
        inspected.push(event);
        logger(event);
      },
    });
    const pids: string[] = [];
    socket.io.on("packet", (packet: { type: number; data?: { pid?: string } }) => {
      if (packet.type === 0 && packet.data?.pid) pids.push(packet.data.pid);
    });
    const offsets: string[] = [];
    socket.on("tick", (...args: unknown[]) => offsets.push(String(args.at(-1))));
    await waitFor(socket, "connect");
    serverSockets[0]!.emit("tick", 1);
    await until(() => offsets.length === 1, "the first tick");
    // a recovered reconnection sends the pid and the offset in its CONNECT
    proxy.cut();
    await waitFor(socket, "connect");
    expect(socket.recovered).toBe(true);
    socket.disconnect();

    // they exist, and went where they belong
    expect(pids).toHaveLength(2);
    expect(handshakes).toEqual([{ token: tokens.auth }, { token: tokens.auth, pid: pids[0], offset: offsets[0] }]);
    const secrets = [tokens.auth, tokens.header, tokens.query, pids[0]!, offsets[0]!];
    // nothing an observer was given leads to them, nor does the logger print them
    const strings = reachableStrings(inspected);
    const leaks = secrets.filter((secret) => [...strings].some((text) => text.includes(secret)));
    expect(leaks).toEqual([]);
    expect(inspected.length).toBeGreaterThan(50);
    expect(logged.filter((line) => secrets.some((secret) => line.includes(secret)))).toEqual([]);
    expect(logged.some((line) => line.includes("<- namespace.send"))).toBe(true);
    // serialized, the references show what they stand for, not what they hold
    const serialized = JSON.stringify(inspected.filter((event) => event.type === "@xstate.event").map((event) => (event as { event: unknown }).event));
    expect(serialized).toContain('"data":"[credentials]"');
  });
});
