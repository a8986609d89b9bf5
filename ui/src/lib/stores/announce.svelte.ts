// What a screen reader should hear that the eye sees by itself: news that arrived in the list
// in front of the person (a sync brought three conversations into Needs reply). One polite live
// region in the shell speaks it; a person looking at the screen sees nothing extra.

export const announcer = $state({ text: '' });

let timer: ReturnType<typeof setTimeout> | undefined;

/**
 * Says `text` through the live region. The region is emptied first and filled a moment later,
 * so the same sentence twice in a row (two syncs, each with one new conversation) is read twice.
 */
export function announce(text: string) {
  clearTimeout(timer);
  announcer.text = '';
  timer = setTimeout(() => {
    announcer.text = text;
  }, 100);
}

/** What a refreshed list says about the rows it did not hold before (none: nothing to say). */
export function newItemsSentence(
  place: string,
  fresh: { authorName: string; title: string | null }[],
): string | null {
  if (fresh.length === 0) return null;
  if (fresh.length === 1) {
    const [one] = fresh;
    return `New in ${place}: ${one.authorName}${one.title ? ` — ${one.title}` : ''}`;
  }
  return `${fresh.length} new conversations in ${place}`;
}
