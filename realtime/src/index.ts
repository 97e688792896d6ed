export * from "./server";
export type { AppContext } from "./context";
