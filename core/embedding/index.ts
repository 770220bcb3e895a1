export { createLocalEmbedder, type LocalEmbedderOptions } from './local-embedder.ts';
export { createOpenAiEmbedder, type OpenAiEmbedder, type OpenAiEmbedderOptions } from './openai-embedder.ts';
