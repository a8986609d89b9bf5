import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import Highlighted from '../components/Highlighted.svelte';
import { splitSnippet } from './snippet';

describe('splitSnippet', () => {
  it('splits marked words from the text around them', () => {
    expect(splitSnippet('the \u0002login\u0003 page \u0002fails\u0003')).toEqual([
      { text: 'the ', match: false },
      { text: 'login', match: true },
      { text: ' page ', match: false },
      { text: 'fails', match: true },
    ]);
  });

  it('drops unpaired markers without losing text', () => {
    expect(splitSnippet('a\u0003b\u0002c')).toEqual([
      { text: 'a', match: false },
      { text: 'b', match: false },
      { text: 'c', match: true },
    ]);
    expect(splitSnippet('')).toEqual([]);
  });
});

describe('Highlighted', () => {
  it('wraps matches in <mark> and keeps markup in a snippet as text', () => {
    const { container } = render(Highlighted, {
      snippet: 'try <script>alert(1)</script> \u0002deploy\u0003 <b>now</b>',
    });

    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    const marks = [...container.querySelectorAll('mark')].map((m) => m.textContent);
    expect(marks).toEqual(['deploy']);
    expect(container.textContent).toBe('try <script>alert(1)</script> deploy <b>now</b>');
  });
});
