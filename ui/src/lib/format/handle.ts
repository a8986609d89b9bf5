// Handles as people read them. Most platforms store a handle without its "@" ("maria"), Matrix
// stores it with one ("@mallory:localhost"), Mastodon as "user@server", and an email "handle"
// is an address.
import type { Platform } from '$lib/bindings/Platform';

/**
 * The handle with one leading "@": "maria" → "@maria", "@mallory:localhost" stays as it is.
 * Email addresses never get one. Without `platform`, anything with an "@" inside may be an
 * address and is left alone; with it, Mastodon's "user@server" reads "@user@server".
 */
export function atHandle(handle: string, platform?: Platform): string {
  const trimmed = handle.trim();
  if (trimmed === '' || trimmed.startsWith('@') || platform === 'email') return trimmed;
  if (platform === undefined && trimmed.includes('@')) return trimmed;
  return `@${trimmed}`;
}
