import { COMMON_PASSWORDS } from './common-passwords.ts';

/** ASVS 5.0 6.2.1/6.2.9: at least 8 characters (15 recommended), at least 64 allowed; we allow 128. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): the floor, not a target.
 * Hashes made with less are upgraded at the next successful sign-in.
 */
export const ARGON2_PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export type Argon2Params = { memoryCost: number; timeCost: number; parallelism: number };

/** Characters, as a person counts them (code points, so one emoji is one). */
const length = (s: string) => [...s].length;

/** The forms a password is looked up in the common list by: as typed, lower case, without a tail of digits or symbols. */
function commonForms(password: string): string[] {
  const lower = password.normalize('NFKC').toLowerCase();
  const stem = lower.replace(/[\d\W_]+$/u, '');
  const head = lower.replace(/^[\d\W_]+/u, '');
  return [lower, stem, head, head.replace(/[\d\W_]+$/u, '')].filter((f) => f !== '');
}

/**
 * Why a new password is refused, or null when it is acceptable. No composition rules (ASVS 6.2.5):
 * length, not a common password (6.2.4), and not the account's own name (6.2.11, context words).
 */
export function passwordProblem(
  password: string,
  context: { username: string; displayName?: string },
): string | null {
  const n = length(password);
  if (n < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (n > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const forms = commonForms(password);
  if (forms.some((f) => COMMON_PASSWORDS.has(f)))
    return 'is one of the most common passwords; choose another';
  if (new Set(password).size <= 2) return 'repeats one or two characters; choose another';
  const own = [context.username, context.displayName ?? '']
    .map((w) =>
      w
        .normalize('NFKC')
        .toLowerCase()
        .replace(/[\s._@-]+/g, ''),
    )
    .filter((w) => w.length >= 3);
  const squashed = forms.map((f) => f.replace(/[\s._@-]+/g, ''));
  if (own.some((w) => squashed.some((f) => f === w || (f.includes(w) && w.length * 2 >= f.length))))
    return 'is too close to the account name; choose another';
  return null;
}

/**
 * The argon2 parameters a PHC string was made with, or null if it is not an argon2id hash. Used to
 * upgrade weaker hashes after a successful sign-in.
 */
export function argon2ParamsOf(phc: string): Argon2Params | null {
  const m = /^\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
  if (!m) return null;
  return { memoryCost: Number(m[1]), timeCost: Number(m[2]), parallelism: Number(m[3]) };
}

export function isWeakerThan(given: Argon2Params, wanted: Argon2Params): boolean {
  return (
    given.memoryCost < wanted.memoryCost ||
    given.timeCost < wanted.timeCost ||
    given.parallelism < wanted.parallelism
  );
}

/** Alphabet for generated one-time passwords: no look-alikes (0/O, 1/l/I). */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * A password of `groups` groups of 4 characters (≈ 5.8 bits each) from the given random bytes source;
 * 5 groups ≈ 116 bits. Rejection sampling keeps every character equally likely.
 */
export function generatePassword(randomBytes: (n: number) => Uint8Array, groups = 5): string {
  const out: string[] = [];
  const limit = 256 - (256 % ALPHABET.length);
  while (out.length < groups * 4) {
    for (const b of randomBytes(32)) {
      if (b < limit && out.length < groups * 4) out.push(ALPHABET[b % ALPHABET.length]!);
    }
  }
  return Array.from({ length: groups }, (_, i) => out.slice(i * 4, i * 4 + 4).join('')).join('-');
}
