import { usd } from "../format";
import type { Column } from "../Panel";

type Tokens = { promptTokens: number; completionTokens: number; cost: number | null };

/** Prompt, completion and cost: the columns every token table ends with. */
export function tokenColumns<T extends Tokens>(priced: () => boolean): Column<T>[] {
  return [
    { head: "Prompt", csv: "prompt tokens", value: (r) => r.promptTokens },
    { head: "Completion", csv: "completion tokens", value: (r) => r.completionTokens },
    { head: "Cost", csv: "cost USD", value: (r) => r.cost, cell: (r) => usd(r.cost), when: priced },
  ];
}
