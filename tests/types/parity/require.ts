// CommonJS: require() returns the io() function itself, in both packages (docs/differences.md#typings).
import io = require("socket.io-client");

export function required() {
  const socket = io("http://localhost:3000"); // official: TS2349
  const named = io.io("http://localhost:3000");
  const manager = new io.Manager();
  return { socket, named, manager };
}
