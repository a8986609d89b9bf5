// Full-text search over messages and notes, as the person types.
import type { SearchHit } from '$lib/bindings/SearchHit';
import type { SearchResults } from '$lib/bindings/SearchResults';
import * as ipc from '$lib/ipc';
import { showError } from './toasts.svelte';

const LIMIT = 20;
const DEBOUNCE_MS = 150;

export const searchState = $state({
  query: '',
  hits: [] as SearchHit[],
  /** The filters the query asked for, in words ("on GitHub", "from Ana Souza"). */
  filters: [] as string[],
  /** Set when a common word matched more than are ranked: the best of the newest N. */
  rankedAmong: null as number | null,
  /** A filter word the core could not read, in words. */
  problem: null as string | null,
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
    show({ hits: [], filters: [], rankedAmong: null, problem: null });
    searchState.answered = '';
    return;
  }
  timer = setTimeout(() => void run(wanted), DEBOUNCE_MS);
}

async function run(wanted: string) {
  try {
    const found = await ipc.search(wanted, LIMIT);
    if (searchState.query.trim() === wanted) {
      show(found);
      searchState.answered = wanted;
    }
  } catch (error) {
    showError(error);
  }
}

function show(found: SearchResults) {
  searchState.hits = found.hits;
  searchState.filters = found.filters;
  searchState.rankedAmong = found.rankedAmong;
  searchState.problem = found.problem;
}
