export { type DetectedLanguage, detectLanguage } from './language.ts';
