export type { AppContext } from "./context";
export * from "./node";
