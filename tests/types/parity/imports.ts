// The ways applications import the client.
import io, { connect, io as named, protocol, Fetch, NodeXHR, XHR, NodeWebSocket, WebSocket, WebTransport, Manager, Socket } from "socket.io-client";
import * as client from "socket.io-client";
import type { ManagerOptions, ManagerReservedEvents, SocketOptions, SocketReservedEvents, DisconnectDescription, ExtendedError } from "socket.io-client";

export function imports() {
  const sockets: Socket[] = [io("x"), connect("x"), named("x"), client.io("x"), client.connect("x")];
  const version: number = protocol + client.protocol;
  const managers = [new Manager(), new client.Manager("x")];
  const isSocket: boolean = sockets[0] instanceof client.Socket;
  const transports = [Fetch, NodeXHR, XHR, NodeWebSocket, WebSocket, WebTransport, client.WebSocket];
  const withTransports = io({ transports: [WebSocket, XHR] });
  const types: [Partial<ManagerOptions>, SocketOptions, keyof ManagerReservedEvents, keyof SocketReservedEvents, DisconnectDescription?, ExtendedError?] = [{}, {}, "open", "connect"];
  const missing = client.lookup; // error
  return { sockets, version, managers, isSocket, transports, withTransports, types, missing };
}
