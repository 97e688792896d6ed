export * from "./env";
export * from "./errors";
export * from "./logger";
export * from "./rateLimit";
export * from "./auth/password";
export * from "./auth/tokens";
export * from "./policies/sessionPolicy";
export * from "./emitter";
