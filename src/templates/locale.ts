/**
 * Normalises a BCP 47 tag's case: language lower, script title, region upper
 * (de-at -> de-AT, zh-hant-tw -> zh-Hant-TW).
 */
export function normalizeLocale(tag: string): string {
  return tag
    .split("-")
    .map((part, i) => {
      if (i === 0) return part.toLowerCase();
      if (part.length === 4) return part[0]?.toUpperCase() + part.slice(1).toLowerCase();
      if (part.length === 2 || /^\d{3}$/.test(part)) return part.toUpperCase();
      return part.toLowerCase();
    })
    .join("-");
}

/**
 * The locales to try for a recipient, most specific first: their tag, then
 * each shorter prefix of it, then the default locale and its prefixes.
 * de-AT with default en gives de-AT, de, en.
 */
export function localeChain(locale: string, defaultLocale: string): string[] {
  const chain: string[] = [];
  for (const tag of [locale, defaultLocale]) {
    if (tag === "") continue;
    const parts = normalizeLocale(tag).split("-");
    for (let n = parts.length; n >= 1; n--) {
      const candidate = parts.slice(0, n).join("-");
      if (!chain.includes(candidate)) chain.push(candidate);
    }
  }
  return chain;
}
