import { createServer } from "node:http";
import { Server } from "socket.io";
const http = createServer(); const io = new Server(http);
io.on("connection", (s) => { s.on("ping", (i, cb) => cb(i)); });
http.listen(0, "127.0.0.1", () => process.send(http.address().port));
