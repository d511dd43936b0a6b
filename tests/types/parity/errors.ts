// Error handling: connect_error with the data of a server middleware, disconnect reasons.
import { io, type DisconnectDescription, type ExtendedError, type Socket } from "socket.io-client";

export function handleErrors() {
  const socket = io();
  socket.on("connect_error", (err) => {
    // the middleware docs' pattern: err.data is any
    if (err.data.content === "Please retry later") socket.connect();
    const message: string = err.message;
    const data = err.data?.details;
    void [message, data];
  });
  socket.on("disconnect", (reason: Socket.DisconnectReason, description?: DisconnectDescription) => {
    if (reason === "io server disconnect") socket.connect();
    if (description instanceof Error) void description.message;
    else if (description) void description.description.toUpperCase();
    switch (reason) {
      case "io client disconnect":
      case "ping timeout":
      case "transport close":
      case "transport error":
      case "parse error":
        return;
    }
    if (reason === "not a reason") return; // error
  });
  socket.io.on("error", (error) => void error.message);
  socket.io.on("reconnect_error", (error: Error) => void error);
  socket.io.on("close", (reason, description) => void [reason.toUpperCase(), description]);
  socket.io.on("reconnect_failed", () => {});
  const extended: ExtendedError = new Error("unauthorized");
  extended.data = { content: "Please retry later" };
  const reason: Socket.DisconnectReason = "io server disconnect";
  const wrong: Socket.DisconnectReason = "server namespace disconnect"; // error
  socket.on("connect_error", (err: string) => void err); // error
  return { extended, reason, wrong };
}
