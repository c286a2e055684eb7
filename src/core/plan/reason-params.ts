/**
 * Params of reasons (reasons.ts) that hold site ids: a reader is shown the sites' names in their place. A
 * module of its own so that the web app takes it without the planner's sentences and analysis.
 */
export const SITE_PARAMS: ReadonlySet<string> = new Set([
  'site',
  'sites',
  'predecessor',
  'predecessors',
  'cycle',
]);
