/**
 * Moves every chunk's BM25 postings to the current text analysis (LEXICAL_ANALYSIS_VERSION) in the
 * background after an upgrade: batches of chunks written by an older analysis are re-analysed and their
 * postings rewritten, each batch in its own transaction. Answers keep working meanwhile: the retriever
 * searches with both analyses' terms until no old chunk is left. Resumable: a retried or restarted job
 * only does the chunks still old.
 */
import { LEXICAL_ANALYSIS_VERSION, type Logger } from '#core';
import { type Db, listStaleLexicalChunks, rewriteChunkPostings } from '#db';
import { analyzeDocument, textForIndexing } from '../core/retrieval/analyzer.ts';
import type { JobHandler } from './job-handlers.ts';

export interface ReindexLexicalDeps {
  readonly db: Db;
  readonly batchSize: number;
  readonly logger: Logger;
}

export function reindexLexicalJobId(version: number): string {
  return `reindex-lexical:${version}`;
}

export function createReindexLexicalHandler(deps: ReindexLexicalDeps): JobHandler<'reindex-lexical'> {
  return async ({ version }, { signal }) => {
    // A job queued by an older or newer release than this process: only the current analysis can be written.
    if (version !== LEXICAL_ANALYSIS_VERSION) return;
    const log = deps.logger.child({ job: 'reindex-lexical', version });
    let done = 0;
    let lastLogged = 0;
    let after = 0;
    for (;;) {
      signal.throwIfAborted();
      const batch = await listStaleLexicalChunks(deps.db, version, after, deps.batchSize);
      if (batch.length === 0) break;
      done += await rewriteChunkPostings(
        deps.db,
        version,
        batch.map((chunk) => ({ chunkId: chunk.chunkId, lexical: analyzeDocument(textForIndexing(chunk)) })),
      );
      after = batch.at(-1)!.chunkId;
      if (done - lastLogged >= 1000) {
        log.info({ done }, 're-indexing');
        lastLogged = done;
      }
    }
    log.info({ chunks: done }, 'every chunk now uses the current text analysis');
  };
}
