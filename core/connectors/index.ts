export type {
  ChangeBatch,
  Connector,
  ConnectorContext,
  ConnectorFactory,
  FetchedItem,
  KnownItem,
  SourceChange,
  SourceItemRef,
  SourceReaders,
} from './connector.ts';
export { createSecretBox, type SecretBox } from './secret-box.ts';
export type {
  SourceFailure,
  SourceItemRecord,
  SourceRun,
  SourceState,
  SourceStore,
  StoredSource,
} from './source-store.ts';
