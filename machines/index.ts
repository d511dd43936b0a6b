// The statecharts, for XState users and tools (visualizer, inspector, xstate/graph).
export * from "./ack.machine.js";
export * from "./backoff.machine.js";
export * from "./connection.machine.js";
export * from "./namespace.machine.js";
export type * from "./transport.js";
