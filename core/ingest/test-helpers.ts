/** Shared by the ingestion tests. */
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
