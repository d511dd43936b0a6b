// What a namespace sends in its CONNECT packet and keeps from the server's:
// the `auth` option (a payload, or a function giving one on every attempt),
// the payload the function gave for the attempt in progress, and the session
// to recover (connection state recovery: the server's `pid`, and the offset of
// the last event received). The namespace machine carries them as one hidden
// reference (machines/secrets.ts); the transport reads the CONNECT payload out
// of it when it writes the packet, and records the server's answer in it.
import { hide, isHidden, reveal, type Hidden } from "./secrets.js";

/** The `auth` option: a payload, or a function called back with one on every attempt. */
export type AuthOption = Record<string, unknown> | ((callback: (data: object) => void) => void);

interface HandshakeSecrets {
  auth: AuthOption | undefined;
  /** What the `auth` function gave for the attempt in progress. */
  given: object | undefined;
  /** The private session id of the server (connection state recovery), kept across reconnections. */
  pid: string | undefined;
  /** The offset of the last event received while a session can be recovered. */
  offset: string | undefined;
}

export type Credentials = Hidden<HandshakeSecrets>;

export function createCredentials(auth?: AuthOption): Credentials {
  return hide<HandshakeSecrets>({ auth, given: undefined, pid: undefined, offset: undefined }, "credentials");
}

export function isCredentials(value: unknown): value is Credentials {
  return isHidden(value);
}

/** Whether a value can be sent as the CONNECT payload: nothing, or a plain object. */
export const isPayload = (data: unknown): data is object | undefined =>
  data === undefined || data === null || Object.prototype.toString.call(data) === "[object Object]";

export function authOf(credentials: Credentials): AuthOption | undefined {
  return reveal(credentials).auth;
}

/** Replaces the `auth` option, for the next attempt. */
export function setAuth(credentials: Credentials, auth: AuthOption | undefined): void {
  reveal(credentials).auth = auth;
}

/** Whether the `auth` option is a payload to send as is (or none), rather than a function to call. */
export function authIsPayload(credentials: Credentials): boolean {
  const { auth } = reveal(credentials);
  return typeof auth !== "function" && isPayload(auth);
}

/** Keeps what the `auth` function gave for this attempt. */
export function keepGivenAuth(credentials: Credentials, data: object | undefined): void {
  reveal(credentials).given = data ?? undefined;
}

/** The CONNECT payload of this attempt: the auth payload, with `pid` and `offset` first when a session can be recovered. */
export function connectPayload(credentials: Credentials): object | undefined {
  const secrets = reveal(credentials);
  const auth = typeof secrets.auth === "function" ? secrets.given : (secrets.auth ?? undefined);
  return secrets.pid ? { pid: secrets.pid, offset: secrets.offset, ...auth } : auth;
}

/**
 * The server accepted the CONNECT, with the session `pid` if it recovers
 * sessions. Returns whether it recovered the previous session.
 */
export function startSession(credentials: Credentials, pid: string | undefined): boolean {
  const secrets = reveal(credentials);
  const recovered = pid !== undefined && pid === secrets.pid;
  secrets.pid = pid;
  return recovered;
}

/** Whether the server gave a session to recover (connection state recovery is on). */
export function hasSession(credentials: Credentials): boolean {
  return reveal(credentials).pid !== undefined;
}

/** Keeps the offset of the last event received, sent back in the next CONNECT to recover the session. */
export function keepOffset(credentials: Credentials, offset: string): void {
  reveal(credentials).offset = offset;
}
