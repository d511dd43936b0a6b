// Every public member of Socket (its typings), read and called.
import { io, Manager, Socket } from "socket.io-client";

export async function socketMembers() {
  const socket = io({ autoConnect: false });
  const id: string | undefined = socket.id;
  const state: boolean[] = [socket.connected, socket.disconnected, socket.active, socket.recovered];
  socket.auth = { token: "abc" };
  socket.auth = (cb) => cb({ token: "abc" });
  const auth = socket.auth;
  const buffered = [socket.receiveBuffer.length, socket.sendBuffer.length];
  socket.sendBuffer = [];
  socket.receiveBuffer = [];
  const manager: Manager = socket.io;

  socket.connect().open().disconnect().close();
  socket.send("hello", 1, { two: 2 });
  socket.emit("event", 1, "2", { three: [4] }, new Uint8Array([5]));
  socket.emit("with ack", (response: unknown) => void response);
  const response = await socket.emitWithAck("event", 1);
  socket.compress(false).emit("compressed");
  socket.volatile.emit("volatile");
  socket.timeout(100).emit("timed", (err: Error, value: string) => void [err, value]);
  socket.timeout(100).volatile.compress(true).emit("chained");

  const listener = (event: string, ...args: any[]) => void [event, args];
  socket.onAny(listener).prependAny(listener).offAny(listener).offAny();
  socket.onAnyOutgoing(listener).prependAnyOutgoing(listener).offAnyOutgoing(listener).offAnyOutgoing();
  const any: Array<(...args: any[]) => void> = [...socket.listenersAny(), ...socket.listenersAnyOutgoing()];

  socket.on("connect", () => {}).once("disconnect", () => {}).off("connect");
  const again = new Socket(manager, "/admin", { auth: { token: "abc" } });
  const alone = new Socket(new Manager(), "/");

  socket.emit(); // error
  socket.timeout("100"); // error
  socket.compress(); // error
  socket.onAny(42); // error
  new Socket(manager); // error
  return { id, state, auth, buffered, response, any, again, alone };
}
