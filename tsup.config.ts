import { defineConfig, type Options } from "tsup";

// Node and bundlers: ESM (.mjs) + CommonJS (.cjs) with types (.d.mts, .d.cts),
// one entry per public path, xstate and the wire libraries left to the app
// (one copy of each). Both formats share their chunks, so that every entry of
// one format sees the same Manager and Socket classes.
// Browsers, as in socket.io-client's dist/: socket.io.js and socket.io.min.js
// (UMD: a <script> defines the global `io`; require() returns it) and
// socket.io.esm.min.js.
// `npm run build` (scripts/build.ts) empties dist/, runs tsup, then makes what
// tsup cannot: the CommonJS entry's `module.exports = io`, its `export =`
// typings, the .d.mts names, and dist/package.json.

/** Wraps the browser bundle (`var io = ...` once built) like Rollup's UMD output, the official dist's format. */
const umd = {
  banner: {
    js: [
      "(function (global, factory) {",
      '  typeof exports === "object" && typeof module !== "undefined" ? (module.exports = factory()) :',
      '  typeof define === "function" && define.amd ? define(factory) :',
      '  ((global = typeof globalThis !== "undefined" ? globalThis : global || self), (global.io = factory()));',
      "})(this, function () {",
    ].join("\n"),
  },
  // the global is the io() function itself, with io.Manager, io.Socket and io.protocol;
  // the dead assignment tells Node.js (cjs-module-lexer) which names an ESM import of it has
  footer: { js: "return io.io;\n});\n0 && (module.exports = { io, connect, default: io, Manager, Socket, protocol });" },
};


const browserScript = (name: string, minify: boolean): Options => ({
  entry: { [name]: "src/browser.ts" },
  format: ["iife"],
  globalName: "io",
  ...umd,
  platform: "browser",
  target: "es2022",
  minify,
  sourcemap: true,
  outExtension: () => ({ js: ".js" }),
  noExternal: [/.*/],
});

const modules: Options = {
  format: ["esm", "cjs"],
  outExtension: ({ format }) => (format === "esm" ? { js: ".mjs" } : { js: ".cjs" }),
  dts: true,
  sourcemap: true,
  target: "es2022",
  platform: "neutral",
  external: ["@statelyai/inspect", "xstate", "engine.io-client", "socket.io-parser", "@socket.io/component-emitter"],
};

export default defineConfig([
  {
    ...modules,
    entry: {
      index: "src/index.ts",
      machines: "machines/index.ts",
      xstate: "adapters/xstate.ts",
      inspector: "adapters/inspector.ts",
    },
    splitting: true,
  },
  // on its own, without splitting: tsup's CommonJS chunks turn import() into
  // require(), and @statelyai/inspect is ESM only (require() of ESM needs Node.js 20.19)
  { ...modules, entry: { stately: "adapters/stately.ts" } },
  browserScript("socket.io", false),
  browserScript("socket.io.min", true),
  {
    entry: { "socket.io.esm.min": "src/browser.ts" },
    format: ["esm"],
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    outExtension: () => ({ js: ".js" }),
    noExternal: [/.*/],
  },
]);
