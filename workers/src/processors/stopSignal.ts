import type { AiRuntime } from "@engunity/core";

export interface StopSignal {
  /** Aborts the provider request on a stop, a shutdown or a newer run taking over. */
  signal: AbortSignal;
  /** True once someone asked to stop this generation. */
  readonly stopped: boolean;
  /** A newer run of the job owns the generation: stop and write nothing. */
  supersede(): void;
  readonly superseded: boolean;
  release(): Promise<void>;
}

/**
 * Listens for a stop of `messageId` from any node (pub/sub) and checks the cancel key,
 * which covers a stop that came before this run subscribed.
 */
export async function watchStop(
  runtime: AiRuntime,
  messageId: string,
  shutdown: AbortSignal,
): Promise<StopSignal> {
  const controller = new AbortController();
  let stopped = false;
  let superseded = false;
  const onShutdown = () => controller.abort();
  shutdown.addEventListener("abort", onShutdown);
  const stop = () => {
    stopped = true;
    controller.abort();
  };
  const unsubscribe = await runtime.bus.subscribe(messageId, (event) => {
    if (event.type === "cancel") stop();
  });
  if (await runtime.bus.isCancelled(messageId)) stop();
  return {
    signal: controller.signal,
    get stopped() {
      return stopped;
    },
    get superseded() {
      return superseded;
    },
    supersede() {
      superseded = true;
      controller.abort();
    },
    async release() {
      shutdown.removeEventListener("abort", onShutdown);
      await unsubscribe();
    },
  };
}
