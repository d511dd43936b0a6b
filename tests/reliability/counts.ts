// How much a reliability test does: a small count in `npm test`, the full count
// in `npm run test:soak` (SOAK=1), or any count its environment variable gives.
export const soak = process.env.SOAK === "1";

/** The count named by `variable` if set, else `full` when soaking, else `quick`. */
export function count(variable: string, quick: number, full: number): number {
  const given = process.env[variable];
  if (given === undefined || given === "") return soak ? full : quick;
  const value = Number(given);
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${variable} must be a positive integer, got ${JSON.stringify(given)}`);
  return value;
}
