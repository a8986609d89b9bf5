// File sizes in words, as a file manager shows them: "2.4 MB".

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/** "1 byte", "812 bytes", "2.4 MB", "35 MB": one decimal below 10, in decimal units (1 KB = 1000 bytes). */
export function formatBytes(bytes: number, locale?: string): string {
  const whole = Math.max(0, Math.round(bytes));
  if (whole < 1000) return `${whole.toLocaleString(locale)} ${whole === 1 ? 'byte' : 'bytes'}`;
  let value = whole;
  let unit = -1;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // 999.95 KB would round to "1000 KB": say "1 MB" instead.
  if (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = value < 10 ? 1 : 0;
  const number = value.toLocaleString(locale, {
    minimumFractionDigits: 0,
    maximumFractionDigits: digits,
  });
  return `${number} ${UNITS[unit]}`;
}
