// Every public member of Manager (its typings), read and called.
import { Manager, type Socket } from "socket.io-client";

export function managerMembers() {
  const manager = new Manager("http://localhost:3000", { autoConnect: false });
  const transport: string = manager.engine.transport.name;
  manager.engine.on("upgrade", () => {});
  const autoConnect: boolean = manager._autoConnect;
  const readyState: "opening" | "open" | "closed" = manager._readyState;
  const reconnecting: boolean = manager._reconnecting;
  manager.opts.query = { token: "refreshed" };
  manager.reconnection(false).reconnectionAttempts(3).reconnectionDelay(100).reconnectionDelayMax(200).randomizationFactor(0.1);
  manager.timeout(1000).timeout(false).timeout(true);
  const settings: [boolean, number, number, number, number, number | boolean] = [
    manager.reconnection(),
    manager.reconnectionAttempts(),
    manager.reconnectionDelay(),
    manager.reconnectionDelayMax(),
    manager.randomizationFactor(),
    manager.timeout(),
  ];
  let timeout = manager.timeout();
  timeout = true;
  const either: boolean | Manager = manager.reconnection(undefined);
  manager.open((err) => void err?.message);
  manager.connect((err?: Error) => void err);
  manager.open().connect();
  const socket: Socket = manager.socket("/");
  const again = manager.socket("/admin", { auth: { token: "abc" }, retries: 1, ackTimeout: 100 });
  manager._destroy(socket);
  manager._packet({ type: 2, nsp: "/", data: ["event"] });
  manager._packet({ type: 2, nsp: "/", data: ["event"], options: { compress: true }, query: "" });
  manager._close();

  manager.on("open", () => {});
  manager.on("error", (err) => void err.message);
  manager.on("ping", () => {});
  manager.on("packet", (packet) => void [packet.type, packet.nsp, packet.data, packet.id]);
  manager.on("close", (reason, description) => void [reason, description]);
  manager.on("reconnect_failed", () => {});
  manager.on("reconnect_attempt", (attempt) => void attempt.toFixed());
  manager.on("reconnect_error", (err) => void err.message);
  manager.on("reconnect", (attempt) => void attempt.toFixed());
  manager.once("open", () => {}).off("open").off();
  manager.removeListener("open", () => {});
  manager.removeAllListeners("ping");
  const listeners = manager.listeners("reconnect");
  const has: boolean = manager.hasListeners("open");

  manager.on("reconnect_attempt", (attempt: string) => void attempt); // error
  manager.timeout("1000"); // error
  manager.socket(); // error
  manager.open(42); // error
  return { transport, autoConnect, readyState, reconnecting, settings, timeout, either, again, listeners, has };
}
