import { fork } from "node:child_process";
import v8 from "node:v8";
const which = process.argv[2];
const mod = which === "official" ? await import("socket.io-client") : await import("../dist/index.js");
const srv = fork(new URL("./srv.mjs", import.meta.url));
const port = await new Promise((r) => srv.once("message", r));
const url = `http://127.0.0.1:${port}`;
const connect = () => new Promise((res) => { const s = mod.io(url, { forceNew: true, transports: ["websocket"], reconnection: false }); s.once("connect", () => res(s)); });
for (let i=0;i<20;i++) (await connect()).disconnect();
await new Promise(r => setTimeout(r, 50));
async function snapshot() {
  global.gc(); global.gc();
  const chunks = []; for await (const c of v8.getHeapSnapshot()) chunks.push(c);
  const s = JSON.parse(Buffer.concat(chunks).toString());
  const f = s.snapshot.meta.node_fields; const nf = f.length; const types = s.snapshot.meta.node_types[0];
  const ef = s.snapshot.meta.edge_fields; const enf = ef.length; const etypes = s.snapshot.meta.edge_types[0];
  const ti = f.indexOf("type"), ni = f.indexOf("name"), si = f.indexOf("self_size"), eci = f.indexOf("edge_count");
  const m = new Map(); let e = 0;
  for (let i = 0; i < s.nodes.length; i += nf) {
    const t = types[s.nodes[i+ti]]; let name = s.strings[s.nodes[i+ni]];
    const ec = s.nodes[i+eci];
    let key;
    if (t === "object") {
      const props = [];
      for (let k = 0; k < ec && props.length < 4; k++) { const et = etypes[s.edges[(e+k)*enf]]; if (et === "property") props.push(s.strings[s.edges[(e+k)*enf+1]]); }
      key = name + "{" + props.join(",") + "}";
    } else if (t === "closure") key = "closure " + name; else key = "(" + t + ")" + (t==="array"||t==="hidden"? " "+name.slice(0,30):"");
    e += ec;
    const v = m.get(key) || [0,0]; v[0]++; v[1]+= s.nodes[i+si]; m.set(key, v);
  }
  return m;
}
const a = await snapshot();
const N = 100; const socks = [];
for (let i = 0; i < N; i++) socks.push(await connect());
await new Promise(r => setTimeout(r, 100));
const b = await snapshot();
const rows = [];
for (const [k, [c, sz]] of b) { const [c0, s0] = a.get(k) || [0,0]; const d = (sz - s0) / N; if (Math.abs(d) >= 30) rows.push([d, (c - c0)/N, k]); }
rows.sort((x,y)=>y[0]-x[0]); let tot=0; for (const r of rows) tot+=r[0];
console.log(which, "total/socket", Math.round(tot));
for (const r of rows.slice(0, +process.argv[3] || 60)) console.log(String(Math.round(r[0])).padStart(6), r[1].toFixed(1).padStart(6), r[2].slice(0,110));
for (const s of socks) s.disconnect();
srv.kill(); process.exit(0);
