/** The Situation page (lazy route /situation); see situation/SituationView.tsx. */
export { default } from './situation/SituationView.tsx';
