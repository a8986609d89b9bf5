// Full-text search over messages and notes, as the person types.
import type { SearchHit } from '$lib/bindings/SearchHit';
import * as ipc from '$lib/ipc';
import { showError } from './toasts.svelte';

const LIMIT = 20;
const DEBOUNCE_MS = 150;

export const searchState = $state({
  query: '',
  hits: [] as SearchHit[],
  /** The query the hits answer, so an old answer never replaces a newer one. */
  answered: '',
});

let timer: ReturnType<typeof setTimeout> | undefined;

/** Sets the query and searches once typing pauses. */
export function setQuery(query: string) {
  searchState.query = query;
  clearTimeout(timer);
  const wanted = query.trim();
  if (!wanted) {
    searchState.hits = [];
    searchState.answered = '';
    return;
  }
  timer = setTimeout(() => void run(wanted), DEBOUNCE_MS);
}

async function run(wanted: string) {
  try {
    const hits = await ipc.search(wanted, LIMIT);
    if (searchState.query.trim() === wanted) {
      searchState.hits = hits;
      searchState.answered = wanted;
    }
  } catch (error) {
    showError(error);
  }
}
