/** The Plan page (lazy route /plan); see plan/PlanView.tsx. */
export { default } from './plan/PlanView.tsx';
