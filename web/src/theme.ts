import { useCallback, useEffect, useState } from 'react';

/** Light or dark, remembered per browser; the first choice follows the system's preference. */
export type Theme = 'light' | 'dark';
const KEY = 'handover.theme';

function initialTheme(): Theme {
  try {
    const stored = localStorage.getItem(KEY);
    if (stored === 'light' || stored === 'dark') return stored;
  } catch {
    // no storage: follow the system
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function applyTheme(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
  document.documentElement.style.colorScheme = theme;
}

/** Set before the first render, so a night shift never sees a white flash. */
export function applyInitialTheme(): void {
  applyTheme(initialTheme());
}

export function useTheme(): [Theme, (t: Theme) => void] {
  const [theme, setThemeState] = useState<Theme>(
    () => (document.documentElement.dataset['theme'] as Theme | undefined) ?? initialTheme(),
  );
  useEffect(() => applyTheme(theme), [theme]);
  const setTheme = useCallback((t: Theme) => {
    try {
      localStorage.setItem(KEY, t);
    } catch {
      // the choice lasts for this page only
    }
    setThemeState(t);
  }, []);
  return [theme, setTheme];
}
