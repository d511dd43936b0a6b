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

/** A reference: frozen, holding its label, and what it stands for in a private field (no lookup table). */
class Reference {
  readonly label: string;
  readonly #value: unknown;
  constructor(label: string, value: unknown) {
    this.label = label;
    this.#value = value;
    Object.freeze(this);
  }
  toJSON(): string {
    return `[${this.label}]`;
  }
  toString(): string {
    return this.toJSON();
  }
  static isReference(value: object): value is Reference {
    return #value in value;
  }
  static valueOf(ref: Reference): unknown {
    return ref.#value;
  }
}

/** A new reference to `value`; `label` is all that serializing it shows. */
export function hide<T>(value: T, label: string): Hidden<T> {
  return new Reference(label, value) as unknown as Hidden<T>;
}

/** What `ref` stands for. Throws for anything that is not a reference made by hide(). */
export function reveal<T>(ref: Hidden<T>): T {
  if (typeof ref !== "object" || ref === null || !Reference.isReference(ref)) throw new TypeError("not a hidden reference");
  return Reference.valueOf(ref) as T;
}

/** Whether `value` is a reference made by hide(). */
export function isHidden(value: unknown): value is Hidden<unknown> {
  return typeof value === "object" && value !== null && Reference.isReference(value);
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
