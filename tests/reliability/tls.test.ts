// TLS (issue 13): a socket.io server over HTTPS/WSS with a self-signed
// certificate made for this run (openssl; nothing from the internet). Over
// long-polling and over WebSocket:
// - by default (`rejectUnauthorized` true) the connection fails with a
//   connect_error that names the certificate problem, and the server sees no session;
// - with the certificate as `ca`, the client connects, and with another
//   certificate as `ca` it still fails: `ca` is what the check uses;
// - `rejectUnauthorized: false` connects too (the documented opt-out).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { countEngineConnections, startTlsServer } from "../integration/harness.js";
import { clients, waitFor } from "../support/util.js";

/** A fresh self-signed certificate for 127.0.0.1 (P-256, valid one day), made by the machine's openssl. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "socket.io-client-xstate-tls-"));
  try {
    const [key, cert] = [join(dir, "key.pem"), join(dir, "cert.pem")];
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
        .concat(["-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]),
      { stdio: "pipe" },
    );
    return { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const c = clients();
const credentials = selfSignedCertificate();
let server: Awaited<ReturnType<typeof startTlsServer>>;
let url: string;
let sessions: { count: number };

beforeAll(async () => {
  server = await startTlsServer({}, credentials);
  server.io.on("connection", (socket) => socket.on("echo", (value: unknown, ack: (v: unknown) => void) => ack(value)));
  url = `https://127.0.0.1:${server.port}`;
  sessions = countEngineConnections(server);
});
afterEach(() => {
  expect(c.cleanup()).toEqual([]);
});
afterAll(() => server?.close());

/** Everything an Error from engine.io-client says, as text: its message and its description. */
function whatItSays(error: Error & { description?: unknown }): string {
  const { description } = error;
  const detail = typeof description === "object" && description !== null && "message" in description ? (description as Error).message : String(description);
  return `${error.message} (${detail})`;
}

describe("TLS with a self-signed certificate", () => {
  for (const transports of [["polling"], ["websocket"]]) {
    describe(`over ${transports[0]}`, () => {
      it("by default, the certificate is refused: a connect_error naming the problem, no session on the server", async () => {
        const before = sessions.count;
        const socket = c.io(url, { transports, reconnection: false });
        const [error] = await waitFor<[Error & { description?: unknown }]>(socket, "connect_error");
        expect(error).toBeInstanceOf(Error);
        expect(whatItSays(error)).toMatch(/self[- ]signed certificate/);
        expect(socket.connected).toBe(false);
        expect(socket.active).toBe(false);
        expect(sessions.count).toBe(before);
      });

      it("with the certificate as `ca`, it connects and talks over TLS", async () => {
        const socket = c.io(url, { transports, ca: credentials.cert });
        await waitFor(socket, "connect");
        expect(socket.io.engine.transport.name).toBe(transports[0]);
        expect(await socket.emitWithAck("echo", "over TLS")).toBe("over TLS");
        expect(server.io.sockets.sockets.get(socket.id!)?.handshake.secure).toBe(true);
      });

      it("with another certificate as `ca`, it is refused", async () => {
        const before = sessions.count;
        const socket = c.io(url, { transports, reconnection: false, ca: selfSignedCertificate().cert });
        const [error] = await waitFor<[Error]>(socket, "connect_error");
        expect(error).toBeInstanceOf(Error);
        expect(socket.connected).toBe(false);
        expect(sessions.count).toBe(before);
      });

      it("with `rejectUnauthorized: false`, it connects without checking", async () => {
        const socket = c.io(url, { transports, rejectUnauthorized: false });
        await waitFor(socket, "connect");
        expect(await socket.emitWithAck("echo", 1)).toBe(1);
      });
    });
  }

  it("polling then the upgrade to WebSocket, both checked with `ca`", async () => {
    const socket = c.io(url, { ca: credentials.cert });
    await waitFor(socket, "connect");
    if (socket.io.engine.transport.name !== "websocket") await waitFor(socket.io.engine, "upgrade");
    expect(socket.io.engine.transport.name).toBe("websocket");
    expect(await socket.emitWithAck("echo", "upgraded")).toBe("upgraded");
  });
});
