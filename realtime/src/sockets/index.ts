export { type AttachedGateway, attachGateway } from "./gateway";
export { createSocketRooms, type SocketRooms } from "./rooms";
export type { Gateway, GatewayServer, GatewaySocket, SocketHandler } from "./types";
