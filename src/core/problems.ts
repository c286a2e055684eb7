/** A problem with an input, named by the path of the field at fault: `sites[3].guarded_by`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** `/sites/3/guarded_by` (JSON pointer) → `sites[3].guarded_by`. */
export function pointerToPath(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) {
    if (/^\d+$/.test(p)) out += `[${p}]`;
    else out += out ? `.${p}` : p;
  }
  return out || '(root)';
}

export function formatProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
