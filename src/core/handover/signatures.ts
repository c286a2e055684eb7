import type { Role, Scope } from '../auth/roles.ts';
import type { IsoDate } from '../dates.ts';
import type { Site } from '../model.ts';
import { refuse } from '../rules.ts';
import { describeState, transferAuthority } from './lifecycle.ts';

/**
 * The two-party transfer of authority (issue 4, point 3). A transfer takes effect only when the outgoing side
 * (the guarding unit's commander, its contingent's command, or the force command) and the receiving side (the
 * liaison of the handover's agency) have both signed the same version of the site's record, as two different
 * people. Any change to the site moves its version on, and with it every signature given before is void.
 *
 * Who may sign is decided by the signer's account as it stands when the signature is checked, so a signature
 * stops counting when its signer's role or scope changes or the account is disabled. The database holds the
 * same rule (migration 0005), so a direct write cannot make a site transferred either.
 */

export const SIGNATURE_SIDES = ['outgoing', 'receiving'] as const;
export type SignatureSide = (typeof SIGNATURE_SIDES)[number];

/** The records that decide who signs for a site: its guarding unit, that unit's contingent, the agency. */
export interface SigningParties {
  unit: string;
  contingent: string;
  /** The agency of the site's handover, null when none is under way. */
  agency: string | null;
}

/** Whose role and scope decide a side; an account as it is now. */
export interface SignerAccount {
  userId: string;
  role: Role;
  scope: Scope | null;
  disabled: boolean;
}

/** The person signing now. */
export interface Signer extends SignerAccount {
  username: string;
  displayName: string;
}

export interface TransferSignature {
  side: SignatureSide;
  /** The version of the site's record that was signed. */
  version: number;
  /** Null only for an attestation written by an import run from the server console. */
  userId: string | null;
  username: string;
  displayName: string;
  /** ISO instant. */
  signedAt: string;
  /**
   * An attestation written by a scenario import of a site that was already transferred elsewhere: nobody
   * signed it here. It never counts toward a transfer made in this system.
   */
  imported: boolean;
}

/** A stored signature with its signer's account as it is now (null: an import, or no such account). */
export interface HeldSignature {
  signature: TransferSignature;
  signer: SignerAccount | null;
}

/** The side a person may sign for on a site, or null: administrators, observers and operators sign neither. */
export function signingSide(
  who: Pick<SignerAccount, 'role' | 'scope'>,
  parties: SigningParties,
): SignatureSide | null {
  const scoped = (kind: Scope['kind'], id: string | null) =>
    id !== null && who.scope?.kind === kind && who.scope.id === id;
  switch (who.role) {
    case 'force_command':
      return 'outgoing';
    case 'contingent_command':
      return scoped('contingent', parties.contingent) ? 'outgoing' : null;
    case 'unit_commander':
      return scoped('unit', parties.unit) ? 'outgoing' : null;
    case 'agency_liaison':
      return scoped('agency', parties.agency) ? 'receiving' : null;
    case 'administrator':
    case 'facility_operator':
    case 'observer':
      return null;
  }
}

/** Whether a person may sign this side of a site (its state aside). */
export const maySign = (
  who: Pick<SignerAccount, 'role' | 'scope'>,
  parties: SigningParties,
  side: SignatureSide,
): boolean => signingSide(who, parties) === side;

type SignedSite = Pick<Site, 'id' | 'state' | 'version' | 'handover'>;

/**
 * Whether a signature counts toward the transfer now: given here (not imported) for the site's present
 * version while it is in joint guard, by an enabled account that may still sign that side.
 */
export function signatureCounts(held: HeldSignature, site: SignedSite, parties: SigningParties): boolean {
  const { signature: s, signer } = held;
  return (
    !s.imported &&
    site.state === 'joint_guard' &&
    s.version === site.version &&
    signer !== null &&
    !signer.disabled &&
    signer.userId === s.userId &&
    signingSide(signer, parties) === s.side
  );
}

/** Both sides have signed the site's present version, as two different people: the transfer may take effect. */
export function transferSigned(
  site: SignedSite,
  parties: SigningParties,
  held: readonly HeldSignature[],
): boolean {
  const counting = (side: SignatureSide) =>
    held.find((h) => h.signature.side === side && signatureCounts(h, site, parties))?.signature;
  const outgoing = counting('outgoing');
  const receiving = counting('receiving');
  return outgoing !== undefined && receiving !== undefined && outgoing.userId !== receiving.userId;
}

/**
 * The signatures shown with a site: in joint guard, those that count now; once transferred, those that made
 * the transfer (or the import's attestation); none while it is protected.
 */
export function currentSignatures(
  site: SignedSite,
  parties: SigningParties,
  held: readonly HeldSignature[],
): TransferSignature[] {
  const shown =
    site.state === 'joint_guard'
      ? held.filter((h) => signatureCounts(h, site, parties))
      : site.state === 'transferred'
        ? held
        : [];
  return shown
    .map((h) => h.signature)
    .sort((a, b) => SIGNATURE_SIDES.indexOf(a.side) - SIGNATURE_SIDES.indexOf(b.side));
}

/** Transfer of authority, allowed only when both sides have signed the present version. */
export function transferWithSignatures(
  site: Site,
  parties: SigningParties,
  held: readonly HeldSignature[],
  on: IsoDate,
): Site {
  if (site.state === 'joint_guard' && !transferSigned(site, parties, held))
    refuse(
      'two-signatures-required',
      `Site "${site.id}" is transferred only when the outgoing command and the receiving agency's liaison have both signed version ${site.version} of its record, as two different people.`,
    );
  return transferAuthority(site, on);
}

export interface SignatureRequest {
  side: SignatureSide;
  /** The version of the site the signer read and signs. */
  version: number;
  /** The day the transfer takes effect if this signature completes it. */
  on: IsoDate;
}

export interface Signed {
  signature: TransferSignature;
  /** The site's signatures after this one (one per side: it replaces any earlier one of its side). */
  held: HeldSignature[];
  /** The site, transferred when this signature completed the pair; otherwise unchanged. */
  site: Site;
}

/**
 * One person signs one side of a site's present version. Refusals, in this order: another version
 * ('signature-version'), not in joint guard ('site-state'), not theirs to sign ('signer-side'), they signed
 * the other side of this version ('signer-both-sides'), a transfer date before the joint guard began
 * ('transfer-date'). When the other side has signed the same version, the transfer takes effect.
 */
export function signTransfer(
  site: Site,
  parties: SigningParties,
  held: readonly HeldSignature[],
  signer: Signer,
  request: SignatureRequest,
  signedAt: string,
): Signed {
  if (request.version !== site.version)
    refuse(
      'signature-version',
      `You signed version ${request.version} of site "${site.id}", but it is at version ${site.version} now: read it again and sign what it says.`,
    );
  if (site.state !== 'joint_guard' || !site.handover)
    refuse(
      'site-state',
      `Site "${site.id}" is ${describeState(site)}; a transfer is signed only while the site is in joint guard.`,
    );
  const side = signer.disabled ? null : signingSide(signer, parties);
  if (side !== request.side)
    refuse(
      'signer-side',
      side === null
        ? `${signer.username} (${signer.role}) may sign for neither side of site "${site.id}".`
        : `${signer.username} signs for the ${side} side of site "${site.id}", not the ${request.side} side.`,
    );
  if (
    held.some(
      (h) =>
        h.signature.side !== request.side &&
        h.signature.version === site.version &&
        h.signature.userId === signer.userId,
    )
  )
    refuse(
      'signer-both-sides',
      `${signer.username} signed the other side of site "${site.id}" already; one person cannot sign for both sides.`,
    );
  if (request.on < site.handover.start)
    refuse(
      'transfer-date',
      `The transfer (${request.on}) cannot precede the start of joint guard (${site.handover.start}).`,
    );
  const signature: TransferSignature = {
    side: request.side,
    version: site.version,
    userId: signer.userId,
    username: signer.username,
    displayName: signer.displayName,
    signedAt,
    imported: false,
  };
  const account: SignerAccount = {
    userId: signer.userId,
    role: signer.role,
    scope: signer.scope,
    disabled: signer.disabled,
  };
  const next = [...held.filter((h) => h.signature.side !== request.side), { signature, signer: account }];
  return {
    signature,
    held: next,
    site: transferSigned(site, parties, next)
      ? transferWithSignatures(site, parties, next, request.on)
      : site,
  };
}
