import { describe, expect, it } from 'vitest';
import { formatBytes } from './size';

describe('formatBytes', () => {
  it('says small sizes in bytes', () => {
    expect(formatBytes(0, 'en')).toBe('0 bytes');
    expect(formatBytes(1, 'en')).toBe('1 byte');
    expect(formatBytes(812, 'en')).toBe('812 bytes');
  });

  it('rounds larger sizes to a readable unit, one decimal below ten', () => {
    expect(formatBytes(2_400_000, 'en')).toBe('2.4 MB');
    expect(formatBytes(2_000_000, 'en')).toBe('2 MB');
    expect(formatBytes(35_250_000, 'en')).toBe('35 MB');
    expect(formatBytes(1_500, 'en')).toBe('1.5 KB');
    expect(formatBytes(999_999, 'en')).toBe('1 MB');
    expect(formatBytes(3_100_000_000, 'en')).toBe('3.1 GB');
  });

  it('writes the number the way the locale does', () => {
    expect(formatBytes(2_400_000, 'de')).toBe('2,4 MB');
  });
});
