import type { AiRuntime } from "@engunity/core";
import type { Stopper } from "@engunity/shared";

export interface StopSignal {
  /** Aborts the provider request on a stop, a shutdown or a newer run taking over. */
  signal: AbortSignal;
  /** True once someone asked to stop this generation. */
  readonly stopped: boolean;
  /** Who asked first, when they said (a stop from an older client may not). */
  readonly stoppedBy: Stopper | undefined;
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
  let stoppedBy: Stopper | undefined;
  let superseded = false;
  const onShutdown = () => controller.abort();
  shutdown.addEventListener("abort", onShutdown);
  const stop = (by: Stopper | undefined) => {
    if (!stopped) stoppedBy = by;
    stopped = true;
    controller.abort();
  };
  const unsubscribe = await runtime.bus.subscribe(messageId, (event) => {
    if (event.type === "cancel") stop(event.by);
  });
  const asked = await runtime.bus.cancelled(messageId);
  if (asked) stop(asked.by);
  return {
    signal: controller.signal,
    get stopped() {
      return stopped;
    },
    get stoppedBy() {
      return stoppedBy;
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
