/** Statuses in which a campaign's configuration may be replaced or the campaign deleted. */
export const EDITABLE_STATUSES: string[] = ['Preparing', 'Ready', 'Stopped', 'Completed', 'Scheduled', 'Rescheduled'];
