import { useTranslation } from 'react-i18next';
import type { SiteState } from '../api/types.ts';

/**
 * A site's state, the same everywhere: colour (CSS --state-*), a glyph of its own shape and the word,
 * so it reads without colour too (print, colour blindness, a washed-out wall screen).
 */
export const STATE_GLYPH: Record<SiteState, string> = {
  protected: '■',
  joint_guard: '◆',
  transferred: '✓',
};

export function StateBadge({ state, compact = false }: { state: SiteState; compact?: boolean }) {
  const { t } = useTranslation();
  const label = t(`state.${state}`);
  return (
    <span className={`state-badge state-${state}`} title={compact ? label : undefined}>
      <span className="state-glyph" aria-hidden="true">
        {STATE_GLYPH[state]}
      </span>
      {compact ? <span className="visually-hidden">{label}</span> : label}
    </span>
  );
}
