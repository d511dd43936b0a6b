// How a machine says "never" in a delay: the longest delay a timer takes
// (setTimeout's range, about 24.8 days), not Infinity. A clock given Infinity
// fires at once (setTimeout turns it into 1 ms, with a warning); the client's
// own clock never fires this one (adapters/clock.ts), and any other clock (an
// app's, when the client is embedded in its actor system) fires it only after
// those 24.8 days. A configured delay beyond that range means never too.
export const NEVER = 2_147_483_647;

/** A delay option in ms (undefined, Infinity, or past the range: never), for an `after` transition. */
export function delayOf(ms: number | undefined): number {
  return ms === undefined || !(ms < NEVER) ? NEVER : Math.max(0, ms);
}
