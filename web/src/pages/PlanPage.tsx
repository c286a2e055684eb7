import { useTranslation } from 'react-i18next';

/** Placeholder: the pages helper builds this page. */
export default function PlanPage() {
  const { t } = useTranslation();
  return <h1>{t('nav.plan')}</h1>;
}
