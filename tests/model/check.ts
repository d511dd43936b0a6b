// Cheap assertions for the thousands of steps a model test replays: the
// comparison is plain; vitest's expect (with its diff) runs only on a failure.
import { isDeepStrictEqual } from "node:util";
import { expect } from "vitest";

export function same(actual: unknown, expected: unknown, what: string): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual, what).toEqual(expected);
}

export function holds(condition: boolean, what: string): void {
  if (!condition) expect.fail(what);
}
