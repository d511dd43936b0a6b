// The statecharts, for XState users and tools (visualizer, inspector, xstate/graph).
export * from "./ack.machine.js";
export * from "./backoff.machine.js";
export * from "./connection.machine.js";
export * from "./namespace.machine.js";
export type * from "./transport.js";
// To create the machines' inputs: credentials for a namespace, a hidden endpoint for the connection.
// What reads secrets back (reveal, connectPayload) is for a transport: import it from its module.
export { createCredentials, type AuthOption, type Credentials } from "./credentials.js";
export { NEVER } from "./delays.js";
export { hide, type Hidden } from "./secrets.js";
