// Clients as distinct users to the balancer, on one machine.
import http from "node:http";

/**
 * The client options that make a client look like the user at `index`: its own
 * source address, 127.X.Y.1, with its own /24, because nginx's ip_hash keys on
 * the first three octets (on loopback every client would otherwise be
 * 127.0.0.1, one user, one node). `localAddress` is engine.io-client's option
 * for the WebSocket; long-polling requests take it from the `agent`.
 */
export function asUser(index: number): { localAddress: string; agent: string } {
  const localAddress = `127.${1 + Math.floor(index / 250)}.${1 + (index % 250)}.1`;
  const agent = new http.Agent({ localAddress } as http.AgentOptions);
  // engine.io-client (and so both clients' options) types `agent` as string | boolean, yet hands it to http.request
  return { localAddress, agent: agent as unknown as string };
}
