// The "Add account" form's checks. They mirror the core's (`accounts::validate`) so most
// mistakes are caught while typing; the core still has the last word and its message is shown
// when it refuses.
import type { AccountInput } from '$lib/bindings/AccountInput';
import type { PlatformSpec } from '$lib/bindings/PlatformSpec';
import { platformLabel } from '$lib/platforms';

/** What the person typed, as the form holds it. */
export interface AccountFields {
  name: string;
  baseUrl: string;
  /** One scope per line (commas work too, as in the CLI). */
  scopes: string;
  token: string;
}

export type AccountProblems = Partial<Record<keyof AccountFields, string>>;

/** The scopes as a list: one per line or comma, blanks dropped. */
export function parseScopes(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((scope) => scope.trim())
    .filter((scope) => scope !== '');
}

/** Capitalises the core's lower-case messages for a sentence on its own. */
export function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1);
}

/**
 * What is wrong with the fields, by field; empty when the core is likely to accept them.
 * `isNew`: adding needs a token; editing keeps the stored one when the field is left empty.
 */
export function checkAccount(
  spec: PlatformSpec,
  fields: AccountFields,
  isNew: boolean,
): AccountProblems {
  const problems: AccountProblems = {};
  const label = platformLabel(spec.platform);
  if (!fields.name.trim()) {
    problems.name = 'Give the account a name, such as the community’s name.';
  }
  const base = fields.baseUrl.trim();
  if (!base) {
    if (spec.defaultBaseUrl === null) {
      problems.baseUrl = `${label} needs the address of your server, for example ${spec.baseUrlExample}.`;
    }
  } else {
    let scheme = '';
    try {
      scheme = new URL(base).protocol;
    } catch {
      problems.baseUrl = `“${base}” is not a web address; use the form ${spec.baseUrlExample}.`;
    }
    if (!problems.baseUrl && scheme !== 'https:' && scheme !== 'http:') {
      problems.baseUrl = `The address must start with https://, as in ${spec.baseUrlExample}.`;
    }
  }
  if (spec.scopesRequired && parseScopes(fields.scopes).length === 0) {
    problems.scopes = `Required for ${label}: ${spec.scopeHelp.split(':')[0]}.`;
  }
  if (isNew && !fields.token.trim()) {
    problems.token = 'Paste the account’s token; Hearth keeps it in your system keyring.';
  }
  return problems;
}

/** The command input for the fields; an empty server address means "the platform's default". */
export function accountInput(
  spec: PlatformSpec,
  fields: AccountFields,
  isNew: boolean,
): AccountInput {
  const token = fields.token.trim();
  return {
    platform: spec.platform,
    name: fields.name.trim(),
    baseUrl: fields.baseUrl.trim() || null,
    scopes: parseScopes(fields.scopes),
    token: token || (isNew ? '' : null),
  };
}
