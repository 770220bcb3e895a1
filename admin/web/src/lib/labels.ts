/** Codes the server sends (stages, statuses, audit target kinds), as the reader's language says them. */
import { t } from './i18n.svelte.ts';

/**
 * An indexing stage as the reader's language says it. The server sends the stage as a code
 * ('parsing', 'embedding', …); a stage this console does not know yet is shown as sent rather than hidden.
 */
export function stageLabel(stage: string): string {
  switch (stage) {
    case 'queued':
      return t('stage.queued');
    case 'parsing':
      return t('stage.parsing');
    case 'chunking':
      return t('stage.chunking');
    case 'embedding':
      return t('stage.embedding');
    case 'storing':
      return t('stage.storing');
    case 'done':
      return t('stage.done');
    case 'failed':
      return t('stage.failed');
    default:
      return stage;
  }
}

/** A document's status (ready, failed, …) in the reader's language. */
export function documentStatusLabel(status: string): string {
  switch (status) {
    case 'ready':
      return t('documentStatus.ready');
    case 'failed':
      return t('documentStatus.failed');
    case 'processing':
      return t('documentStatus.processing');
    case 'queued':
      return t('documentStatus.queued');
    default:
      return status;
  }
}

/** What kind of thing an audit event is about; a kind added later on the server is shown as its code. */
export function auditTargetTypeLabel(type: string): string {
  switch (type) {
    case 'document':
      return t('audit.type.document');
    case 'collection':
      return t('audit.type.collection');
    case 'channel':
      return t('audit.type.channel');
    case 'user':
      return t('audit.type.user');
    case 'group':
      return t('audit.type.group');
    case 'api_key':
      return t('audit.type.apiKey');
    case 'message':
      return t('audit.type.message');
    case 'settings':
      return t('audit.type.settings');
    case 'session':
      return t('audit.type.session');
    case 'identity':
      return t('audit.type.identity');
    case 'export':
      return t('audit.type.export');
    default:
      return type;
  }
}
