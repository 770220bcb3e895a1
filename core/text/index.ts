export { type DetectedLanguage, detectLanguage } from './language.ts';
export { segmentSentences } from './sentences.ts';
