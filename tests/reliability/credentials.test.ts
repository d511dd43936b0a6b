// Credentials (issue 13): the `auth` payload, `extraHeaders` and query tokens
// (the `query` option and a URL's query string) reach the server, and never
// appear in what the client shows: its errors (connect_error, the Manager's
// error and reconnect_error, disconnect and close descriptions) as a
// console.log() would print them, the transition logger's lines, or what the
// Stately inspector is sent (with the sanitizers the client ships). Each
// credential is a known, unique token, searched for verbatim.
import { inspect } from "node:util";
import { createInspector } from "@statelyai/inspect";
import type { InspectionEvent } from "xstate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statelySanitizers, transitionLogger } from "../../adapters/inspector.js";
import type { Socket } from "../../src/index.js";
import { startTlsServer } from "../integration/harness.js";
import { closedPort, startEchoServer, startSilentServer, type EchoServer } from "../support/servers.js";
import { clients, fast, waitFor } from "../support/util.js";

const SECRETS = {
  auth: "auth-token-5b1f0c2e9d",
  header: "header-token-8a7e6d5c4b",
  query: "query-token-3c9d2e1f0a",
  urlQuery: "url-query-token-7f6e5d4c3b",
} as const;

/** The credentials as options: `auth`, `extraHeaders` and `query`. */
const credentials = {
  auth: { token: SECRETS.auth },
  extraHeaders: { authorization: `Bearer ${SECRETS.header}` },
  query: { token: SECRETS.query },
};

/** Which credentials `text` shows. */
function leaked(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([name]) => name);
}

/** The lines around the first credential in `text`. */
function around(text: string): string {
  const at = Math.min(...Object.values(SECRETS).map((secret) => text.indexOf(secret)).filter((i) => i >= 0));
  if (!Number.isFinite(at)) return text.slice(0, 2000);
  const lines = text.slice(0, at).split("\n");
  return [...lines.slice(-12), text.slice(at).split("\n")[0]].join("\n");
}

/** What console.log() of a value prints, and deeper (errors carry the request that failed as their context). */
const shown = (value: unknown) => inspect(value, { depth: 6, showHidden: false, maxArrayLength: 1000, maxStringLength: Infinity });

const c = clients();
let server: EchoServer;
let seen: { auth?: unknown; authorization?: unknown; query?: unknown; urlQuery?: unknown } = {};

beforeAll(async () => {
  server = await startEchoServer();
  const record = (socket: { handshake: { auth: Record<string, unknown>; headers: Record<string, unknown>; query: Record<string, unknown> } }) => {
    seen = { auth: socket.handshake.auth.token, authorization: socket.handshake.headers.authorization, query: socket.handshake.query.token, urlQuery: socket.handshake.query.session };
  };
  server.io.use((socket, next) => {
    record(socket);
    next();
  });
  // "/private" refuses every Socket
  server.io.of("/private").use((socket, next) => {
    record(socket);
    next(Object.assign(new Error("not authorized"), { data: { reason: "denied" } }));
  });
});
afterAll(async () => {
  c.cleanup();
  await server?.close();
});

/** Every Error and description a client gives: connect_error, error, reconnect_error, disconnect and close. */
function collectErrors(socket: Socket): unknown[] {
  const errors: unknown[] = [];
  socket.on("connect_error", (error) => errors.push(error));
  socket.on("disconnect", (reason, description) => errors.push({ reason, description }));
  socket.io.on("error", (error) => errors.push(error));
  socket.io.on("reconnect_error", (error) => errors.push(error));
  socket.io.on("close", (reason, description) => errors.push({ reason, description }));
  return errors;
}

describe("credentials", () => {
  it("reach the server: auth payload, header, query option and URL query", async () => {
    const socket = c.io(server.url, { ...credentials, transports: ["websocket"] });
    await waitFor(socket, "connect");
    expect(seen).toEqual({ auth: SECRETS.auth, authorization: `Bearer ${SECRETS.header}`, query: SECRETS.query, urlQuery: undefined });
    const fromUrl = c.io(`${server.url}/?session=${SECRETS.urlQuery}`, { transports: ["websocket"] });
    await waitFor(fromUrl, "connect");
    expect(seen.urlQuery).toBe(SECRETS.urlQuery);
    c.disconnectAll();
  });

  describe("never appear in the client's errors", () => {
    /** Each way to fail: where to connect, and what to wait for once it failed. */
    const failures: Array<[string, () => Promise<{ url: string; done: (socket: Socket) => Promise<unknown>; close?: () => Promise<void> }>]> = [
      ["a namespace refused by the server's middleware", async () => ({ url: `${server.url}/private`, done: (socket) => waitFor(socket, "connect_error") })],
      ["a refused TCP connection", async () => ({ url: `http://127.0.0.1:${await closedPort()}`, done: (socket) => waitFor(socket.io, "reconnect_failed") })],
      [
        "a server that never answers (timeout)",
        async () => {
          const silent = await startSilentServer();
          return { url: silent.url, done: (socket) => waitFor(socket.io, "reconnect_failed"), close: () => silent.close() };
        },
      ],
      [
        "a certificate the client refuses (TLS)",
        async () => {
          const tls = await startTlsServer();
          return { url: `https://127.0.0.1:${tls.port}`, done: (socket) => waitFor(socket.io, "reconnect_failed"), close: () => tls.close() };
        },
      ],
      [
        "a connection the server closes",
        async () => ({
          url: server.url,
          done: async (socket) => {
            await waitFor(socket, "connect");
            socket.emit("close-transport");
            await waitFor(socket, "disconnect");
            await waitFor(socket, "connect");
          },
        }),
      ],
    ];
    for (const transports of [["polling"], ["websocket"]]) {
      for (const [what, setUp] of failures) {
        it(`${what} (${transports[0]})`, async () => {
          const { url, done, close } = await setUp();
          const shownIn: string[] = [];
          try {
            // every credential as an option, then a token in the URL's query string
            for (const [options, target] of [
              [credentials, url],
              [{ auth: credentials.auth }, `${url}${url.includes("/private") ? "" : "/"}?session=${SECRETS.urlQuery}`],
            ] as const) {
              const socket = c.io(target, { ...fast, ...options, transports, timeout: 200, reconnectionAttempts: 1 });
              const errors = collectErrors(socket);
              await done(socket);
              expect(errors.length, "the scenario gave no error to look at").toBeGreaterThan(0);
              const text = errors.map(shown).join("\n");
              if (leaked(text).length > 0) shownIn.push(`${leaked(text).join(", ")} shown in:\n${around(text)}`);
              socket.disconnect();
            }
          } finally {
            c.disconnectAll();
            await close?.();
          }
          expect(shownIn).toEqual([]);
        });
      }
    }
  });

  /** Connects with every credential, loses the connection, reconnects, is refused on /private, and leaves: what `inspect` saw meanwhile. */
  async function aSessionInspectedBy(inspectFor: () => (event: InspectionEvent) => void) {
    for (const [options, url] of [
      [credentials, server.url],
      [{ auth: credentials.auth }, `${server.url}/?session=${SECRETS.urlQuery}`],
    ] as const) {
      const socket = c.io(url, { ...fast, ...options, inspect: inspectFor() });
      const privateSocket = socket.io.socket("/private", { auth: credentials.auth });
      await waitFor(socket, "connect");
      await waitFor(privateSocket, "connect_error");
      socket.emit("close-transport");
      await waitFor(socket, "disconnect");
      await waitFor(socket, "connect");
      socket.disconnect();
    }
  }

  it("never appear in the transition logger's lines, events included", async () => {
    const lines: string[] = [];
    await aSessionInspectedBy(() => transitionLogger({ events: true, log: (line) => lines.push(line) }));
    expect(lines.length).toBeGreaterThan(0);
    expect(leaked(lines.join("\n")), lines.join("\n")).toEqual([]);
  });

  it("never appear in what the Stately inspector is sent (with statelySanitizers)", async () => {
    const sent: string[] = [];
    await aSessionInspectedBy(() => {
      const { inspect } = createInspector({ send: (event) => void sent.push(JSON.stringify(event)) }, statelySanitizers);
      return (event) => inspect.next?.(event);
    });
    expect(sent.length).toBeGreaterThan(0);
    const shows = (name: keyof typeof SECRETS) => sent.filter((event) => event.includes(SECRETS[name])).map((event) => event.slice(0, 300));
    expect(
      Object.fromEntries(Object.keys(SECRETS).map((name) => [name, shows(name as keyof typeof SECRETS).slice(0, 3)])),
      "inspection events showing a credential (the first three of each)",
    ).toEqual({ auth: [], header: [], query: [], urlQuery: [] });
  });

  it("appear in the errors only when asked for (exposeTransportDetails): then the failed WebSocket itself is there, as the official client gives it", async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/?session=${SECRETS.urlQuery}`;
    const errors: Array<Error & { description?: unknown }> = [];
    for (const exposeTransportDetails of [false, true]) {
      const socket = c.io(url, { transports: ["websocket"], reconnection: false, exposeTransportDetails });
      errors.push((await waitFor<[Error & { description?: unknown }]>(socket, "connect_error"))[0]);
    }
    const [plain, raw] = errors as [Error & { description?: { message?: string } }, Error];
    expect(leaked(shown(plain))).toEqual([]);
    // what happened is still said
    expect(plain.description?.message).toMatch(/ECONNREFUSED/);
    expect(leaked(shown(raw))).toEqual(["urlQuery"]);
  });
});
