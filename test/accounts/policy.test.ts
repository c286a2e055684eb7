import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS } from '../../src/core/auth/common-passwords.ts';
import {
  ARGON2_PARAMS,
  argon2ParamsOf,
  generatePassword,
  isWeakerThan,
  passwordProblem,
} from '../../src/core/auth/password.ts';
import { ROLE_SCOPE_KIND, ROLES, scopeProblem } from '../../src/core/auth/roles.ts';
import { AccountService } from '../../src/service/accounts.ts';
import type { Store } from '../../src/store/db.ts';

const ctx = { username: 'aigerim.n', displayName: 'Aigerim Nurlanovna' };

describe('password policy', () => {
  it('takes 8–128 characters, counted as a person counts them', () => {
    expect(passwordProblem('vq7-Lm2', ctx)).toMatch(/at least 8/);
    expect(passwordProblem('vq7-Lm2x', ctx)).toBeNull();
    expect(passwordProblem('z'.repeat(60) + 'kx9'.repeat(22) + 'ab', ctx)).toBeNull(); // 128
    expect(passwordProblem('z'.repeat(60) + 'kx9'.repeat(23), ctx)).toMatch(/at most 128/); // 129
    expect(passwordProblem('🐻🐻🐻🐻🐺🐺🐺🦊', ctx)).toBeNull(); // 8 code points, 16 UTF-16 units
    expect(passwordProblem('correct horse battery staple', ctx)).toBeNull();
  });

  it('refuses common passwords, also with a different case or a tail of digits and symbols', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(1000);
    for (const p of [
      'password',
      'Password1',
      'PASSWORD123!',
      'qwerty123',
      'iloveyou!!',
      'Monkey2024!',
      '1qaz2wsx',
    ])
      expect(passwordProblem(p, ctx), p).toMatch(/most common/);
    expect(passwordProblem('aaaaaaaaaaaa', ctx)).not.toBeNull();
  });

  it("refuses the account's own name in it", () => {
    expect(passwordProblem('Aigerim.N2024', ctx)).toMatch(/account name/);
    expect(passwordProblem('aigerimnurlanovna', ctx)).toMatch(/account name/);
    expect(passwordProblem('my aigerim.n is a long river of words', ctx)).toBeNull();
  });

  it('generates one-time passwords that pass the policy', () => {
    const p = generatePassword((n) => randomBytes(n));
    expect(p).toMatch(/^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){4}$/);
    expect(passwordProblem(p, { username: 'admin' })).toBeNull();
  });
});

describe('roles and scopes', () => {
  it('binds each scoped role to its kind of record, and the others to none', () => {
    expect(ROLES).toHaveLength(7);
    expect(ROLE_SCOPE_KIND.unit_commander).toBe('unit');
    expect(scopeProblem('unit_commander', { kind: 'unit', id: 'arm-1' })).toBeNull();
    expect(scopeProblem('unit_commander', null)).toMatch(/needs a unit/);
    expect(scopeProblem('unit_commander', { kind: 'site', id: 'x' })).toMatch(/scoped to a unit/);
    expect(scopeProblem('observer', { kind: 'site', id: 'x' })).toMatch(/takes no scope/);
    expect(scopeProblem('administrator', null)).toBeNull();
  });
});

describe('password hashing', () => {
  it('uses argon2id at no less than the OWASP/ASVS minimum (19 MiB, t=2, p=1) by default', async () => {
    expect(ARGON2_PARAMS.memoryCost).toBeGreaterThanOrEqual(19_456);
    expect(ARGON2_PARAMS.timeCost).toBeGreaterThanOrEqual(2);
    // The service's default, with the real parameters (the other suites use light ones).
    const svc = new AccountService({} as Store);
    const phc = await svc.hashPassword('a long enough passphrase');
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verify(phc, 'a long enough passphrase')).toBe(true);
    expect(await verify(phc, 'a long enough passphrasE')).toBe(false);
    expect(argon2ParamsOf(phc)).toEqual(ARGON2_PARAMS);
    const weak = await hash('x'.repeat(10), { memoryCost: 1024, timeCost: 1, parallelism: 1 });
    expect(isWeakerThan(argon2ParamsOf(weak)!, ARGON2_PARAMS)).toBe(true);
  });
});
