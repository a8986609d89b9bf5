// Conversation priority as the core stores it (0–4) and as every view names it: the row and
// thread labels and the `p` menu read from here so they never disagree.

export const PRIORITY_LABELS = ['None', 'Low', 'Normal', 'High', 'Urgent'] as const;

/** The name of a priority; anything the core might add later reads as Normal. */
export function priorityLabel(priority: number): string {
  return PRIORITY_LABELS[priority] ?? 'Normal';
}
