import { useTranslation } from 'react-i18next';

export function BoardPage() {
  const { t } = useTranslation();
  return <h1>{t('nav.board')}</h1>;
}
