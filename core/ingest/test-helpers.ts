/** Shared by the ingestion tests. */
import iconv from 'iconv-lite';
import { expect } from 'vitest';
import { UnprocessableDocumentError } from '../errors.ts';

export const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Runs `action` and returns the UnprocessableDocumentError it must throw; any other outcome fails. */
export async function unprocessable(action: () => unknown): Promise<UnprocessableDocumentError> {
  let thrown: unknown;
  try {
    await action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(UnprocessableDocumentError);
  return thrown as UnprocessableDocumentError;
}

/** `text` as a legacy Windows encoding writes it (cp949 is Korean Windows' EUC-KR superset). */
export function encodeLegacy(text: string, encoding: 'cp949' | 'shift_jis' | 'gb18030'): Uint8Array {
  return new Uint8Array(iconv.encode(text, encoding));
}
