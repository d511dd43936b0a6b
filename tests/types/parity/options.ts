// Options objects, as applications write them.
import { io, Manager, type ManagerOptions, type SocketOptions } from "socket.io-client";

const socketOptions: SocketOptions = { auth: { token: "abc" } };
const retrying: SocketOptions = { retries: 3, ackTimeout: 10000 };
const byFunction: SocketOptions = { auth: (cb) => cb({ token: "from a function" }) };
const managerOptions: Partial<ManagerOptions> = {
  path: "/my-app/",
  reconnection: true,
  reconnectionAttempts: 5,
  reconnectionDelay: 1000,
  reconnectionDelayMax: 10000,
  randomizationFactor: 0.5,
  timeout: 5000,
  autoConnect: false,
  forceNew: true,
  multiplex: false,
  transports: ["websocket", "polling"],
  upgrade: false,
  rememberUpgrade: true,
  query: { x: "42" },
  extraHeaders: { "x-token": "abc" },
  withCredentials: true,
  timestampRequests: true,
  closeOnBeforeunload: true,
  autoUnref: true,
};
const both: Partial<ManagerOptions & SocketOptions> = { ...managerOptions, ...socketOptions, ...retrying };

export function withOptions() {
  const sockets = [
    io(),
    io("https://example.com"),
    io("https://example.com/admin", both),
    io(both),
    io({ auth: byFunction.auth, ackTimeout: 5000 }),
    io("https://example.com", { parser: { Encoder: class {}, Decoder: class {} } }),
  ];
  const manager = new Manager("https://example.com", managerOptions);
  const fromOptions = new Manager(managerOptions);
  const bare = new Manager();
  const admin = manager.socket("/admin", { auth: { token: "abc" } });
  const path: string | undefined = manager.opts.path;
  const query = fromOptions.opts.query;

  io({ reconnectionDelay: "fast" }); // error
  const badRetries: SocketOptions = { retries: "3" }; // error
  io({ timeout: false }); // error
  io({ auth: "token" }); // error
  new Manager(42); // error
  return { sockets, admin, bare, path, query, badRetries };
}
