export * from "./errors";
export * from "./events";
export * from "./limits";
export * from "./objects";
export * from "./rest";
export * from "./rooms";
export * from "./titles";
