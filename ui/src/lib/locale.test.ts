import { describe, expect, it } from 'vitest';
import { mendNavigatorLanguage, usableLanguage } from './locale';

describe('the window language', () => {
  it('reads the POSIX "C" locale as en-US and leaves a real language alone', () => {
    expect(usableLanguage('C')).toBe('en-US');
    expect(usableLanguage('')).toBe('en-US');
    expect(usableLanguage('pt-BR')).toBe('pt-BR');
  });

  it('mends a navigator that says "C", so Intl accepts what it says', () => {
    const nav = { language: 'C', languages: ['C'] } as unknown as Navigator;
    mendNavigatorLanguage(nav);
    expect(nav.language).toBe('en-US');
    expect(nav.languages).toEqual(['en-US']);
    expect(() => new Intl.NumberFormat(nav.language)).not.toThrow();
  });
});
