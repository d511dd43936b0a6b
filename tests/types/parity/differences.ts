// The intended differences of the typings (docs/differences.md#typings).
import { io, Manager, type Socket } from "socket.io-client";

export function differences() {
  const socket = io({ autoConnect: false });
  const manager = new Manager({ autoConnect: false });
  // read from the machines: the facade keeps no lifecycle state to assign
  socket.id = "abc"; // ours: TS2540
  socket.connected = true; // ours: TS2540
  socket.recovered = true; // ours: TS2540
  manager.engine = manager.engine; // ours: TS2540
  manager._readyState = "open"; // ours: TS2540
  manager._reconnecting = false; // ours: TS2540
  manager._autoConnect = false; // ours: TS2540
  manager.opts = {}; // ours: TS2540
  // additions
  const socketActor = socket.actor; // official: TS2339
  const managerActor = manager.actor; // official: TS2339
  const nsp: string = socket.nsp; // official: TS2341
  const queued = socket._queue.length; // official: TS2341
  io({ inspect: () => {} }); // official: TS2769
  io({ exposeTransportDetails: true }); // official: TS2769
  io({ sendBufferLimit: 100, sendBufferMaxBytes: 1e6, sendBufferMaxAge: 60000, sendBufferOverflow: "refuse-newest" }); // official: TS2769
  socket.clearSendBuffer(); // official: TS2551
  const typed: Socket<{ news: () => void }> = io();
  typed.on("send_buffer_drop", () => {}); // official: TS2345
  // a private member of the official typings does not exist here
  manager.onclose(); // official: TS2341 // ours: TS2339
  socket.onpacket({ type: 2, nsp: "/" }); // official: TS2341 // ours: TS2339
  return { socketActor, managerActor, nsp, queued, typed };
}
