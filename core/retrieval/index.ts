export {
  type Analyzer,
  type AnalyzerOptions,
  analyzeDocument,
  analyzeQuery,
  createAnalyzer,
  DEFAULT_ANALYZER_OPTIONS,
  type IndexableChunk,
  textForIndexing,
} from './analyzer.ts';
export {
  type EvalSummary,
  evaluateRun,
  ndcgAt,
  parseQrels,
  type Qrels,
  type QueryMetrics,
  type Run,
  type RunEntry,
  recallAt,
  sortRun,
} from './eval-metrics.ts';
export { type FusedChunk, type FusionInput, type FusionOptions, fuseRankings } from './fusion.ts';
export {
  applyTokenBudget,
  createHybridRetriever,
  DEFAULT_HYBRID_OPTIONS,
  type HybridRetriever,
  type HybridRetrieverOptions,
  localEmbedderVectorWeight,
  type RetrieveOptions,
} from './hybrid-retriever.ts';
