import { describe, expect, it } from 'vitest';
import { hasVisibleText } from './html';

describe('hasVisibleText', () => {
  it('finds no text in empty tags, whitespace, or what a sanitiser left of a script or image', () => {
    for (const html of [
      '',
      '   ',
      '<p></p>',
      '<span> </span>',
      '<p>&nbsp;</p><br><hr>',
      '<p>\u200b</p>',
      '<script>alert(1)</script>',
      '<style>p { color: red }</style>',
      '<img src="https://example.org/cat.png" alt="">',
    ]) {
      expect(hasVisibleText(html), html).toBe(false);
    }
  });

  it('finds the text of real formatting, including a body that is only a link', () => {
    expect(hasVisibleText('<p>Hello <strong>there</strong></p>')).toBe(true);
    expect(hasVisibleText('<a href="https://example.org">example.org</a>')).toBe(true);
    expect(hasVisibleText('<pre><code>0</code></pre>')).toBe(true);
  });
});
