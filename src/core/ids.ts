declare const brand: unique symbol;
/** A string that the type system keeps apart from other ids: a SiteId cannot be passed as a UnitId. */
export type Branded<T, B extends string> = T & { readonly [brand]: B };

export type SiteId = Branded<string, 'SiteId'>;
export type UnitId = Branded<string, 'UnitId'>;
export type ContingentId = Branded<string, 'ContingentId'>;
export type AgencyId = Branded<string, 'AgencyId'>;
export type IncidentId = Branded<string, 'IncidentId'>;
export type RestrictionId = Branded<string, 'RestrictionId'>;

export const siteId = (s: string) => s as SiteId;
export const unitId = (s: string) => s as UnitId;
export const contingentId = (s: string) => s as ContingentId;
export const agencyId = (s: string) => s as AgencyId;
export const incidentId = (s: string) => s as IncidentId;
export const restrictionId = (s: string) => s as RestrictionId;
