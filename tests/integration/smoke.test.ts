import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { startEchoServer, type EchoServer } from "../support/servers.js";
import { clients, waitFor } from "../support/util.js";

let server: EchoServer;
const c = clients();
beforeAll(async () => {
  server = await startEchoServer();
});
afterEach(() => {
  expect(c.cleanup()).toEqual([]);
});
afterAll(() => server.close());

it("connects, acknowledges and disconnects against a real server", async () => {
  const socket = c.io(server.url);
  await waitFor(socket, "connect");
  expect(await socket.emitWithAck("echo", "hi")).toBe("hi");
  socket.disconnect();
  expect(socket.connected).toBe(false);
});
