import path from 'node:path';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  AppError,
  assertNoNulCharacters,
  type DocumentRepository,
  type FileStore,
  isSafeLinkUrl,
  type JobQueue,
  type Principal,
  type ReceivedFile,
  type StoredDocument,
  sha256Hex,
  submitDocument,
  titleFromFilename,
} from '#core';
import { type Authenticator, requirePrincipal } from '../auth.ts';

export interface DocumentsRouteDeps {
  readonly documents: DocumentRepository;
  /**
   * Uploaded files stream into it (to a staged file in DATA_DIR/files, hashed on the way) instead of
   * being held whole in memory; without it (tests of other parts) they are read into memory.
   */
  readonly files?: FileStore;
  readonly queue: JobQueue;
  readonly audit: (
    principal: Principal,
    event: { action: string; targetType?: string; targetId?: string; data?: Record<string, unknown> },
  ) => Promise<void>;
  readonly authenticate: Authenticator;
  readonly maxUploadBytes: number;
  /** The collection to upload into, by name; may create it for admins and curators. */
  readonly resolveUploadCollection: (
    principal: Principal,
    name: string,
  ) => Promise<{ id: string; name: string }>;
  /** Whether the principal may see this document's metadata (its collection is readable, or they curate). */
  readonly canSeeDocument: (principal: Principal, document: StoredDocument) => Promise<boolean>;
  /** Refuses uploads while the queue backend is down, so nothing is accepted that cannot be processed. */
  readonly assertCanEnqueue?: () => Promise<void>;
}

export function registerDocumentRoutes(app: FastifyInstance, deps: DocumentsRouteDeps): void {
  app.post('/api/v1/documents', async (request, reply) => {
    const principal = await requirePrincipal(request, deps.authenticate, 'ingest');
    if (principal.role === 'member' || principal.role === 'auditor') {
      throw new AppError('forbidden', 'Only admins and curators may upload documents.', {
        localized: { key: 'errors.uploadForbidden' },
      });
    }
    if (!request.isMultipart()) {
      throw new AppError(
        'unsupported_media_type',
        'Send the file as multipart/form-data with a "file" field.',
        { localized: { key: 'errors.multipartNeeded' } },
      );
    }
    await deps.assertCanEnqueue?.();

    const fields: Record<string, string> = {};
    const files: { name: string; mimeType: string; content: UploadContent }[] = [];
    try {
      for await (const part of request.parts({ limits: { fileSize: deps.maxUploadBytes, files: 20 } })) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
          continue;
        }
        files.push({
          name: part.filename,
          mimeType: part.mimetype,
          content: await receiveLimited(part, deps.maxUploadBytes, deps.files),
        });
      }
      return await acceptUpload(principal, fields, files, reply);
    } finally {
      // Files that no document kept (refused, unchanged, failed): a kept one is left alone.
      await Promise.all(files.map(({ content }) => ('file' in content ? content.file.discard() : null)));
    }
  });

  async function acceptUpload(
    principal: Principal,
    fields: Record<string, string>,
    files: readonly { name: string; mimeType: string; content: UploadContent }[],
    reply: FastifyReply,
  ) {
    assertNoNulCharacters(fields);
    files.forEach((file, i) => {
      assertNoNulCharacters(file.name, files.length === 1 ? 'filename' : `files.${i}.filename`);
    });
    if (files.length === 0)
      throw new AppError('invalid_input', 'No file in the upload: send it in a "file" field.', {
        localized: { key: 'errors.noFileInUpload' },
      });
    const sourceUrl = fields.sourceUrl?.trim() || null;
    if (sourceUrl !== null && !isSafeLinkUrl(sourceUrl)) {
      throw new AppError('invalid_input', 'Invalid input. sourceUrl: must be an http(s) or mailto link', {
        details: { fields: { sourceUrl: 'must be an http(s) or mailto link' } },
      });
    }
    if (files.length > 1 && (fields.sourceKey || fields.title)) {
      throw new AppError(
        'invalid_input',
        '"sourceKey" and "title" apply to a single file; upload files one by one.',
        { localized: { key: 'errors.singleFileFields' } },
      );
    }

    const collection = await deps.resolveUploadCollection(principal, fields.collection?.trim() || 'general');
    const results = [];
    for (const file of files) {
      const filename = path.basename(file.name || 'upload');
      const outcome = await submitDocument(deps, {
        collectionId: collection.id,
        sourceKey: fields.sourceKey?.trim() || filename,
        title: fields.title?.trim() || titleFromFilename(filename),
        filename,
        mimeType: file.mimeType || 'application/octet-stream',
        sourceUrl,
        ...file.content,
        uploadedBy: principal.userId,
      });
      await deps.audit(principal, {
        action: `document.upload.${outcome.kind}`,
        targetType: 'document',
        targetId: outcome.document.id,
        data: {
          collection: collection.name,
          sourceKey: outcome.document.sourceKey,
          version: outcome.document.version,
        },
      });
      results.push({ outcome: outcome.kind, document: toJson(outcome.document, collection.name) });
    }
    return reply.status(202).send(files.length === 1 ? results[0] : { documents: results });
  }

  app.get<{ Params: { id: string } }>('/api/v1/documents/:id', async (request) => {
    const principal = await requirePrincipal(request, deps.authenticate, 'ingest');
    const document = isUuid(request.params.id) ? await deps.documents.get(request.params.id) : null;
    if (!document || !(await deps.canSeeDocument(principal, document))) {
      throw new AppError('not_found', 'No such document.', { localized: { key: 'errors.noSuchDocument' } });
    }
    return { document: toJson(document) };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/documents/:id', async (request, reply) => {
    const principal = await requirePrincipal(request, deps.authenticate, 'ingest');
    if (principal.role === 'member' || principal.role === 'auditor') {
      throw new AppError('forbidden', 'Only admins and curators may delete documents.', {
        localized: { key: 'errors.deleteForbidden' },
      });
    }
    const document = isUuid(request.params.id) ? await deps.documents.get(request.params.id) : null;
    if (!document)
      throw new AppError('not_found', 'No such document.', { localized: { key: 'errors.noSuchDocument' } });
    await deps.documents.delete(document.id);
    await deps.audit(principal, {
      action: 'document.delete',
      targetType: 'document',
      targetId: document.id,
      data: { sourceKey: document.sourceKey },
    });
    return reply.status(204).send();
  });
}

type UploadContent = { bytes: Uint8Array; sha256: string } | { file: ReceivedFile };

async function receiveLimited(
  part: MultipartFile,
  limit: number,
  store: FileStore | undefined,
): Promise<UploadContent> {
  const tooLargeInstead = (error: unknown) => {
    // multipart's own limit, or the store's count of what streamed in: the same sentence either way.
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE' || code === 'payload_too_large')
      throw tooLarge(part.filename, limit);
    throw error;
  };
  if (!store) {
    const bytes = await part.toBuffer().catch(tooLargeInstead);
    if (part.file.truncated) throw tooLarge(part.filename, limit);
    return { bytes, sha256: sha256Hex(bytes) };
  }
  const file = await store
    .receive(part.file, { maxBytes: limit, filename: part.filename })
    .catch(tooLargeInstead);
  if (part.file.truncated) {
    await file.discard();
    throw tooLarge(part.filename, limit);
  }
  return { file };
}

function tooLarge(filename: string, limit: number): AppError {
  return new AppError(
    'payload_too_large',
    `${filename} is larger than the upload limit of ${(limit / 1024 / 1024).toFixed(0)} MB.`,
    {
      localized: {
        key: 'errors.fileTooLarge',
        values: { filename, megabytes: Math.round(limit / 1024 / 1024) },
      },
    },
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function toJson(document: StoredDocument, collectionName?: string) {
  return {
    id: document.id,
    collectionId: document.collectionId,
    ...(collectionName ? { collection: collectionName } : {}),
    title: document.title,
    sourceKey: document.sourceKey,
    sourceUrl: document.sourceUrl,
    mimeType: document.mimeType,
    sizeBytes: document.sizeBytes,
    sha256: document.sha256,
    version: document.version,
    status: document.status,
    progress: document.progress,
    error: document.error,
    chunkCount: document.chunkCount,
    createdAt: document.createdAt.toISOString(),
    updatedAt: document.updatedAt.toISOString(),
  };
}
