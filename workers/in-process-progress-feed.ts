import { EventEmitter } from 'node:events';
import type { DocumentProgressEvent, ProgressFeed } from '#core';

/** Progress events within one process (the embedded default, where jobs run in the web process). */
export function createInProcessProgressFeed(): ProgressFeed {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (event) => {
      emitter.emit('progress', event);
    },
    subscribe(listener: (event: DocumentProgressEvent) => void) {
      emitter.on('progress', listener);
      return () => emitter.off('progress', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}
