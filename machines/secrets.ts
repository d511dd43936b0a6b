// Opaque references: what the machines carry but must never show. A machine's
// context and events reach every inspection observer, the transition logger
// and the Stately inspector's web page, so credentials (the `auth` payload,
// the session to recover), the connection options (headers, query tokens, TLS
// keys) and the live transport stay out of them: the machines hold a frozen,
// empty reference, and only the code at the edges (the transport, the facade)
// reveals what it stands for. Serialized, a reference is its label.
declare const hidden: unique symbol;

/** A reference to a `T` that only reveal() gives back. */
export interface Hidden<T> {
  readonly [hidden]: T;
  toJSON(): string;
}

const values = new WeakMap<object, unknown>();

/** A reference: frozen, holding only its label. */
class Reference {
  readonly label: string;
  constructor(label: string) {
    this.label = label;
    Object.freeze(this);
  }
  toJSON(): string {
    return `[${this.label}]`;
  }
  toString(): string {
    return this.toJSON();
  }
}

/** A new reference to `value`; `label` is all that serializing it shows. */
export function hide<T>(value: T, label: string): Hidden<T> {
  const ref = new Reference(label);
  values.set(ref, value);
  return ref as unknown as Hidden<T>;
}

/** What `ref` stands for. Throws for anything that is not a reference made by hide(). */
export function reveal<T>(ref: Hidden<T>): T {
  if (!values.has(ref)) throw new TypeError("not a hidden reference");
  return values.get(ref) as T;
}

/** Whether `value` is a reference made by hide(). */
export function isHidden(value: unknown): value is Hidden<unknown> {
  return typeof value === "object" && value !== null && values.has(value);
}

const originals = new WeakMap<object, object>();

/**
 * `copy` stands for `value` in the machines, showing only what it holds (an
 * error's message, a close description's text): a transport's error can hold
 * its request, and the request its URL and headers. originalOf() gives the
 * facade `value` back, for the user's listeners.
 */
export function redact<T extends object>(value: T, copy: T): T {
  originals.set(copy, value);
  return copy;
}

/** What `value` stands for, if it is a copy made by redact(); otherwise `value`. */
export function originalOf<T>(value: T): T {
  return ((typeof value === "object" && value !== null && (originals.get(value) as T | undefined)) || value) as T;
}
