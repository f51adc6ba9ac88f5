/** The command that rewrites the API reports after an intended change. */
export const API_UPDATE_COMMAND: string;
/** Writes (`update`) or checks the API reports; returns the reports that differ from the checked-in ones. */
export function apiReport(options?: { update?: boolean }): string[];
