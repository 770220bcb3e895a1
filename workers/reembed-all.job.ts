/**
 * Re-embeds every chunk for a new embedding model in the background. Batches of chunks still missing a
 * vector of the model are embedded and stored; when none is left the model becomes the active one in the
 * same transaction that checks it. Until then answers embed questions with the previous active model and
 * search its vectors. Resumable: a retried or restarted job only does the chunks still missing.
 */
import { AppError, type Embedder, type Logger } from '#core';
import {
  activateEmbeddingModel,
  countChunksWithoutEmbedding,
  type Db,
  type EmbeddingModelRow,
  getEmbeddingModel,
  listChunksWithoutEmbedding,
  writeChunkEmbeddings,
} from '#db';
import { textForIndexing } from '../core/retrieval/analyzer.ts';
import type { JobHandler } from './job-handlers.ts';

export interface ReembedDeps {
  readonly db: Db;
  /** An embedder for a registered model (the configured one, or any other by its name). */
  readonly embedderFor: (model: EmbeddingModelRow) => Embedder;
  readonly batchSize: number;
  readonly logger: Logger;
}

/** Full passes that end with chunks still missing (new ones keep arriving) before the job retries later. */
const MAX_PASSES = 5;

export function createReembedAllHandler(deps: ReembedDeps): JobHandler<'reembed-all'> {
  return async ({ model }, { signal }) => {
    const log = deps.logger.child({ job: 'reembed-all', model });
    const row = await getEmbeddingModel(deps.db, model);
    if (!row) throw new AppError('invalid_input', `Embedding model ${model} is not registered.`);
    if (row.state === 'active') return;
    if (row.state === 'retired') {
      log.info({}, 'model was retired meanwhile; nothing to do');
      return;
    }
    const embedder = deps.embedderFor(row);
    const total = await countChunksWithoutEmbedding(deps.db, model);
    log.info({ chunks: total }, 're-embedding started');
    let done = 0;
    let lastLogged = 0;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      let after = 0;
      for (;;) {
        signal.throwIfAborted();
        const batch = await listChunksWithoutEmbedding(deps.db, model, after, deps.batchSize);
        if (batch.length === 0) break;
        const vectors = await embedder.embedDocuments(
          batch.map((chunk) => textForIndexing(chunk)),
          signal,
        );
        done += await writeChunkEmbeddings(
          deps.db,
          model,
          batch.map((chunk, i) => ({ chunkId: chunk.chunkId, embedding: vectors[i]! })),
        );
        after = batch.at(-1)!.chunkId;
        if (done - lastLogged >= 1000) {
          log.info({ done, of: total }, 're-embedding');
          lastLogged = done;
        }
      }
      if (await activateEmbeddingModel(deps.db, model)) {
        log.info({ chunks: done }, 'embedding model is now active');
        return;
      }
    }
    throw new AppError(
      'unavailable',
      `Chunks kept arriving without ${model} vectors; re-embedding continues later.`,
    );
  };
}
