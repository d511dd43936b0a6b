import { fork } from "node:child_process";
import v8 from "node:v8";
import { writeFileSync } from "node:fs";
const which = process.argv[2];
const mod = which === "official" ? await import("socket.io-client") : await import("../dist/index.js");
const srv = fork(new URL("./srv.mjs", import.meta.url));
const port = await new Promise((r) => srv.once("message", r));
const url = `http://127.0.0.1:${port}`;
const connect = () => new Promise((res) => { const s = mod.io(url, { forceNew: true, transports: ["websocket"], reconnection: false }); s.once("connect", () => res(s)); });
(await connect()).disconnect();
await new Promise(r => setTimeout(r, 50));
const gc = async () => { global.gc(); await new Promise(r => setImmediate(r)); global.gc(); };
await gc();
const m0 = process.memoryUsage().heapUsed;
const N = 200; const socks = [];
for (let i = 0; i < N; i++) socks.push(await connect());
await new Promise(r => setTimeout(r, 100));
await gc();
const m1 = process.memoryUsage().heapUsed;
console.log(which, "bytes/socket", Math.round((m1 - m0) / N));
if (process.argv[3]) { writeFileSync(process.argv[3], JSON.stringify(stats())); }
function stats() { const snap = v8.getHeapSnapshot(); return null; }
for (const s of socks) s.disconnect();
srv.kill(); process.exit(0);
