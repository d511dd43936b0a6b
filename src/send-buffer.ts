// The limits of the send buffer. Emissions made while a Socket is not
// connected wait in `socket.sendBuffer` until it connects; the official client
// lets that grow without bound. These options cap it by count, by encoded
// bytes and by age, with a policy when it is full: drop the oldest emissions,
// or refuse the newest. Each emission dropped is reported (the Socket emits
// `send_buffer_drop`, and an acknowledgement that takes an error gets one).
// Unbounded by default, as in the official client.
import type { Packet } from "socket.io-parser";
import { checkLimit, describe } from "./options.js";

export type SendBufferOverflow = "drop-oldest" | "refuse-newest";

/** Why an emission left the send buffer unsent. */
export type DropReason = "overflow" | "expired" | "cleared";

export interface SendBufferLimits {
  /** The most emissions that wait at once. Default Infinity. */
  sendBufferLimit: number;
  /** The most bytes (encoded) that wait at once. Default Infinity. */
  sendBufferMaxBytes: number;
  /** ms an emission may wait; older ones are dropped. Default Infinity. */
  sendBufferMaxAge: number;
  /** When an emission would exceed a limit. Default "drop-oldest". */
  sendBufferOverflow: SendBufferOverflow;
}

/** The limits the options give, checked; undefined when there are none (the official client's unbounded buffer). */
export function sendBufferLimits(opts: Partial<SendBufferLimits> | undefined): SendBufferLimits | undefined {
  const overflow = opts?.sendBufferOverflow ?? "drop-oldest";
  if (overflow !== "drop-oldest" && overflow !== "refuse-newest") {
    throw new TypeError(`\`sendBufferOverflow\` must be "drop-oldest" or "refuse-newest", got ${describe(overflow)}`);
  }
  const limits: SendBufferLimits = {
    sendBufferLimit: checkLimit("sendBufferLimit", opts?.sendBufferLimit),
    sendBufferMaxBytes: checkLimit("sendBufferMaxBytes", opts?.sendBufferMaxBytes),
    sendBufferMaxAge: checkLimit("sendBufferMaxAge", opts?.sendBufferMaxAge),
    sendBufferOverflow: overflow,
  };
  const bounded = limits.sendBufferLimit < Infinity || limits.sendBufferMaxBytes < Infinity || limits.sendBufferMaxAge < Infinity;
  return bounded ? limits : undefined;
}

interface Entry {
  bytes: number;
  at: number;
}

/** Keeps one Socket's send buffer within its limits. The buffer is `socket.sendBuffer`, which the user may reassign or edit. */
export class SendBufferLimiter {
  readonly #limits: SendBufferLimits;
  readonly #onDrop: (packet: Packet, reason: DropReason) => void;
  readonly #entries = new WeakMap<Packet, Entry>();
  /** The encoded bytes of the buffer, as last counted: valid while it is the same array with the same length. */
  #count: { buffer: Packet[]; length: number; bytes: number } | undefined;

  constructor(limits: SendBufferLimits, onDrop: (packet: Packet, reason: DropReason) => void) {
    this.#limits = limits;
    this.#onDrop = onDrop;
  }

  /** Adds `packet` (of `bytes` encoded) to `buffer`, dropping what the limits say. */
  push(buffer: Packet[], packet: Packet, bytes: number): void {
    this.expire(buffer);
    const { sendBufferLimit, sendBufferMaxBytes, sendBufferOverflow } = this.#limits;
    const fits = () => buffer.length < sendBufferLimit && this.#bytes(buffer) + bytes <= sendBufferMaxBytes;
    if (!fits() && (sendBufferOverflow === "refuse-newest" || bytes > sendBufferMaxBytes || sendBufferLimit === 0)) {
      return this.#onDrop(packet, "overflow");
    }
    while (!fits()) this.#remove(buffer, 0, "overflow");
    this.#entries.set(packet, { bytes, at: Date.now() });
    const total = this.#bytes(buffer);
    buffer.push(packet);
    this.#count = { buffer, length: buffer.length, bytes: total + bytes };
  }

  /** Drops the emissions older than `sendBufferMaxAge`. */
  expire(buffer: Packet[]): void {
    if (this.#limits.sendBufferMaxAge === Infinity) return;
    const oldest = Date.now() - this.#limits.sendBufferMaxAge;
    for (let i = 0; i < buffer.length; ) {
      const entry = this.#entries.get(buffer[i]!);
      if (entry && entry.at < oldest) this.#remove(buffer, i, "expired");
      else i++;
    }
  }

  /** Drops every emission of `buffer` (socket.clearSendBuffer()). */
  clear(buffer: Packet[]): void {
    const dropped = buffer.splice(0);
    this.#count = { buffer, length: 0, bytes: 0 };
    for (const packet of dropped) this.#onDrop(packet, "cleared");
  }

  #remove(buffer: Packet[], index: number, reason: DropReason) {
    const total = this.#bytes(buffer);
    const [packet] = buffer.splice(index, 1);
    this.#count = { buffer, length: buffer.length, bytes: total - (this.#entries.get(packet!)?.bytes ?? 0) };
    this.#onDrop(packet!, reason);
  }

  /** The encoded bytes in `buffer`, counted again if the user changed it since. */
  #bytes(buffer: Packet[]): number {
    const count = this.#count;
    if (count?.buffer === buffer && count.length === buffer.length) return count.bytes;
    let bytes = 0;
    for (const packet of buffer) bytes += this.#entries.get(packet)?.bytes ?? 0;
    this.#count = { buffer, length: buffer.length, bytes };
    return bytes;
  }
}

/** The size of an encoded packet: UTF-8 bytes of its text parts, plus its binary attachments. */
export function encodedBytes(parts: readonly unknown[]): number {
  let bytes = 0;
  for (const part of parts) {
    if (typeof part === "string") bytes += utf8Length(part);
    else if (part && typeof (part as ArrayBufferLike).byteLength === "number") bytes += (part as ArrayBufferLike).byteLength;
  }
  return bytes;
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00) {
      bytes += 4;
      i++; // the low surrogate of the pair
    } else bytes += 3;
  }
  return bytes;
}
