import { expect, it } from "vitest";
import type { EchoServer } from "../support/servers.js";
import { clients, waitFor } from "../support/util.js";
import { useEchoServer } from "../support/fixtures.js";

let server: EchoServer;
const c = clients();
useEchoServer(c, (started) => (server = started));

it("connects, acknowledges and disconnects against a real server", async () => {
  const socket = c.io(server.url);
  await waitFor(socket, "connect");
  expect(await socket.emitWithAck("echo", "hi")).toBe("hi");
  socket.disconnect();
  expect(socket.connected).toBe(false);
});
