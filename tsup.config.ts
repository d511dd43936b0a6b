import { defineConfig } from "tsup";

// Node and bundlers: ESM + CJS with types, one entry per public path.
// Browsers: a standalone script (global `io`, like /socket.io/socket.io.js)
// and a minified ESM bundle (like socket.io.esm.min.js).
export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      machines: "machines/index.ts",
      xstate: "adapters/xstate.ts",
      inspector: "adapters/inspector.ts",
    },
    format: ["esm", "cjs"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    platform: "neutral",
    external: ["@statelyai/inspect", "xstate", "engine.io-client", "socket.io-parser", "@socket.io/component-emitter"],
  },
  {
    entry: { "socket.io": "src/browser.ts" },
    format: ["iife"],
    globalName: "io",
    // the global is the io() function itself, with io.Manager, io.Socket and io.protocol
    footer: { js: "io = io.io;" },
    platform: "browser",
    target: "es2022",
    minify: false,
    sourcemap: true,
    outExtension: () => ({ js: ".js" }),
    noExternal: [/.*/],
  },
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
