/** How often edges report themselves for the network view. */
export const REPORT_INTERVAL_MS = 5_000;
