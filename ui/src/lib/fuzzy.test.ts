import { describe, expect, it } from 'vitest';
import { fuzzyFilter, fuzzyScore } from './fuzzy';

describe('fuzzy matching', () => {
  const names = ['Windows install', 'Welcome', 'Install on macOS', 'Thanks, fixed', 'Déjà vu'];

  it('keeps what holds the query in order, best first', () => {
    expect(fuzzyFilter(names, 'inst', (n) => n)).toEqual(['Install on macOS', 'Windows install']);
    expect(fuzzyFilter(names, 'wi', (n) => n)).toEqual(['Windows install']);
    expect(fuzzyFilter(names, 'tfx', (n) => n)).toEqual(['Thanks, fixed']);
    expect(fuzzyFilter(names, 'zzz', (n) => n)).toEqual([]);
  });

  it('ignores case and accents, and an empty query keeps everything', () => {
    expect(fuzzyScore('Déjà vu', 'deja')).not.toBeNull();
    expect(fuzzyFilter(names, '', (n) => n)).toHaveLength(names.length);
  });
});
