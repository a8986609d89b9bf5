import type { Platform } from '$lib/bindings/Platform';

interface PlatformInfo {
  label: string;
  /** What a small badge shows: two letters, so Discord and Discourse stay apart. */
  short: string;
  /** Badge colour, close to the platform's own brand colour, readable with white text. */
  colour: string;
  /** The longest post the platform accepts, in characters; mirrors `Platform::post_limit`. */
  postLimit: number | null;
  /** Hearth can connect an account and post there; mirrors `calendar::rules::can_publish`. */
  publishes: boolean;
}

export const PLATFORMS: Record<Platform, PlatformInfo> = {
  discord: { label: 'Discord', short: 'Dc', colour: '#5865f2', postLimit: 2000, publishes: true },
  discourse: { label: 'Discourse', short: 'Ds', colour: '#d0232b', postLimit: 32_000, publishes: true },
  github: { label: 'GitHub', short: 'GH', colour: '#24292f', postLimit: 65_536, publishes: true },
  slack: { label: 'Slack', short: 'Sl', colour: '#4a154b', postLimit: 40_000, publishes: true },
  matrix: { label: 'Matrix', short: 'Mx', colour: '#08815f', postLimit: null, publishes: true },
  mastodon: { label: 'Mastodon', short: 'Ma', colour: '#5657f0', postLimit: 500, publishes: true },
  bluesky: { label: 'Bluesky', short: 'Bs', colour: '#0a6cde', postLimit: 300, publishes: true },
  email: { label: 'Email', short: '@', colour: '#6b7280', postLimit: null, publishes: false },
  reddit: { label: 'Reddit', short: 'Rd', colour: '#d93a00', postLimit: 40_000, publishes: false },
  telegram: { label: 'Telegram', short: 'Tg', colour: '#1a73a1', postLimit: 4096, publishes: false },
  list: { label: 'Imported list', short: 'Li', colour: '#7c5a2e', postLimit: null, publishes: false },
};

export const ALL_PLATFORMS = Object.keys(PLATFORMS) as Platform[];

/** The platforms a post can be planned for: those Hearth can connect and post to. */
export const PUBLISHING_PLATFORMS = ALL_PLATFORMS.filter((p) => PLATFORMS[p].publishes);

export const platformLabel = (platform: Platform) => PLATFORMS[platform].label;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Characters as a person (and Bluesky, Mastodon) counts them: an emoji is one. */
export function countChars(text: string): number {
  return Array.from(graphemes.segment(text)).length;
}
