import type { AnalyticsResponse } from "@engunity/shared";

/** What every usage panel gets: the response, its days, and whether cost is known. */
export interface PanelProps {
  data: AnalyticsResponse;
  days: string[];
  priced: boolean;
}
