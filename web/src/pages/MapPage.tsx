/** The Map page (lazy route /map); see map/MapView.tsx. */
export { default } from './map/MapView.tsx';
