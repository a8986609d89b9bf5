import type { Platform } from '$lib/bindings/Platform';

interface PlatformInfo {
  label: string;
  /** What a small badge shows: two letters, so Discord and Discourse stay apart. */
  short: string;
  /** Badge colour, close to the platform's own brand colour, readable with white text. */
  colour: string;
  /** The longest post the platform accepts, in characters; mirrors `Platform::post_limit`. */
  postLimit: number | null;
}

export const PLATFORMS: Record<Platform, PlatformInfo> = {
  discord: { label: 'Discord', short: 'Dc', colour: '#5865f2', postLimit: 2000 },
  discourse: { label: 'Discourse', short: 'Ds', colour: '#d0232b', postLimit: 32_000 },
  github: { label: 'GitHub', short: 'GH', colour: '#24292f', postLimit: 65_536 },
  slack: { label: 'Slack', short: 'Sl', colour: '#4a154b', postLimit: 40_000 },
  matrix: { label: 'Matrix', short: 'Mx', colour: '#0a8f6c', postLimit: null },
  mastodon: { label: 'Mastodon', short: 'Ma', colour: '#6364ff', postLimit: 500 },
  bluesky: { label: 'Bluesky', short: 'Bs', colour: '#0a7aff', postLimit: 300 },
  email: { label: 'Email', short: '@', colour: '#6b7280', postLimit: null },
  reddit: { label: 'Reddit', short: 'Rd', colour: '#d93a00', postLimit: 40_000 },
  telegram: { label: 'Telegram', short: 'Tg', colour: '#1f8ac0', postLimit: 4096 },
  list: { label: 'Imported list', short: 'Li', colour: '#7c5a2e', postLimit: null },
};

export const ALL_PLATFORMS = Object.keys(PLATFORMS) as Platform[];

export const platformLabel = (platform: Platform) => PLATFORMS[platform].label;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Characters as a person (and Bluesky, Mastodon) counts them: an emoji is one. */
export function countChars(text: string): number {
  return Array.from(graphemes.segment(text)).length;
}
