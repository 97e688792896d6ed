export * from "./bullQueue";
export * from "./memoryBus";
export * from "./memoryQueue";
export * from "./memoryTokenLog";
export * from "./redisBus";
export * from "./redisTokenLog";
export * from "./runtime";
export * from "./types";
