// Argument checks: a wrong type gets a clear TypeError at the call that
// passed it, instead of NaN delays or a stuck connection later.
import type { ConnectionSettings } from "../machines/connection.machine.js";

type Kind = "function" | "string" | "object" | "number";

export function checkOption(where: string, name: string, value: unknown, kind: Kind): void {
  if (typeof value !== kind || value === null) {
    throw new TypeError(`${where}: \`${name}\` must be a ${kind}, got ${describe(value)}`);
  }
}

function checkDelay(name: string, value: unknown, { infinite = false } = {}) {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0 || (!infinite && !Number.isFinite(value))) {
    throw new TypeError(`\`${name}\` must be a ${infinite ? "" : "finite "}number >= 0, got ${describe(value)}`);
  }
}

export function checkSettings(settings: ConnectionSettings): ConnectionSettings {
  checkDelay("reconnectionAttempts", settings.reconnectionAttempts, { infinite: true });
  checkDelay("reconnectionDelay", settings.reconnectionDelay);
  checkDelay("reconnectionDelayMax", settings.reconnectionDelayMax);
  checkDelay("randomizationFactor", settings.randomizationFactor);
  if (settings.randomizationFactor > 1) {
    throw new RangeError(`\`randomizationFactor\` must be within [0, 1], got ${settings.randomizationFactor}`);
  }
  if (settings.timeout !== false) checkDelay("timeout", settings.timeout, { infinite: true });
  return settings;
}

/** `ackTimeout` and `timeout(ms)`: a number of ms, or undefined. */
export function checkAckTimeout(where: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new TypeError(`${where}: the timeout must be a number of ms >= 0, got ${describe(value)}`);
  }
  return value;
}

/** `retries`: a number of re-sends; 0 or undefined turns the retries queue off, like the official client. */
export function checkRetries(value: unknown): number | undefined {
  if (value === undefined || value === null || value === 0) return undefined;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new TypeError(`\`retries\` must be a number >= 0, got ${describe(value)}`);
  }
  return value;
}

/** A limit: a number >= 0 (Infinity allowed), Infinity when not given. */
export function checkLimit(name: string, value: unknown): number {
  if (value === undefined || value === null) return Infinity;
  checkDelay(name, value, { infinite: true });
  return value as number;
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "symbol") return value.toString();
  if (typeof value === "object") return Array.isArray(value) ? "an array" : "an object";
  return `${typeof value === "function" ? "a function" : String(value)}`;
}
