import { useTranslation } from 'react-i18next';

/** Placeholder: the pages helper builds this page. */
export default function SituationPage() {
  const { t } = useTranslation();
  return <h1>{t('nav.situation')}</h1>;
}
