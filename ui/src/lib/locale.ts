/**
 * The language the window reports, made safe for `Intl`. WebKitGTK reports the POSIX locale
 * as `navigator.language` when the session runs with `LANG=C` (common on servers, containers
 * and minimal desktops): "C", which no `Intl` constructor accepts. Libraries that format
 * numbers with it when they load (uPlot does) then throw and their view stays blank. Such a
 * language is read as "en-US"; a valid one is left alone.
 */
export function usableLanguage(language: string | undefined): string {
  if (!language) return 'en-US';
  try {
    new Intl.NumberFormat(language);
    return language;
  } catch {
    return 'en-US';
  }
}

/** Makes `navigator.language` (and `languages`) usable for `Intl`, once, at start. */
export function mendNavigatorLanguage(nav: Navigator = navigator): void {
  const language = usableLanguage(nav.language);
  if (language === nav.language) return;
  Object.defineProperty(nav, 'language', { configurable: true, get: () => language });
  Object.defineProperty(nav, 'languages', { configurable: true, get: () => [language] });
}
