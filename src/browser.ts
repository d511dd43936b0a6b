// The browser bundles' entry: the client without the Node-only transports.
export { io, io as connect, io as default, Manager, Socket, protocol } from "./index.js";
