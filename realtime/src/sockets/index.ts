export { type AttachedGateway, attachGateway } from "./gateway";
export type { Gateway, GatewayServer, GatewaySocket, SocketHandler } from "./types";
