import { useTranslation } from 'react-i18next';

/** Placeholder: the pages helper builds this page. */
export default function MapPage() {
  const { t } = useTranslation();
  return <h1>{t('nav.map')}</h1>;
}
