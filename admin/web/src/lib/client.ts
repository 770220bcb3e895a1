/**
 * The only place that talks HTTP: GraphQL requests, REST calls, streams and downloads, all with the
 * bearer token and the CSRF header, retried once after a refresh when the token has expired.
 */
import { i18n, t } from './i18n.svelte.ts';
import { accessToken, CSRF_HEADERS, refreshSession } from './session.svelte.ts';
import { readEventStream, type ServerEvent } from './sse.ts';

export class ApiError extends Error {
  readonly code: string;
  /** For invalid_input: what is wrong with each named field, so a form can say it beside the field. */
  readonly fields: Readonly<Record<string, string>>;
  constructor(code: string, message: string, fields: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.fields = fields;
  }
}

interface GraphqlResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; fields?: Record<string, string> } }[];
}

function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = accessToken();
  // The server says its error sentences in the console's language, which may differ from the browser's.
  return {
    ...CSRF_HEADERS,
    'Accept-Language': i18n.locale,
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...extra,
  };
}

/** fetch with the bearer token; on 401 refreshes once and tries again. */
export async function authedFetch(url: string, init: RequestInit = {}, retried = false): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      headers: authHeaders((init.headers as Record<string, string> | undefined) ?? {}),
    });
  } catch {
    throw new ApiError('network', t('error.network'));
  }
  if (response.status === 401 && !retried && (await refreshSession())) return authedFetch(url, init, true);
  return response;
}

export async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  retried = false,
): Promise<T> {
  const response = await authedFetch('/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  let body: GraphqlResponse<T>;
  try {
    body = (await response.json()) as GraphqlResponse<T>;
  } catch {
    throw new ApiError('internal', `The server answered ${response.status} without a readable body.`);
  }
  const error = body.errors?.[0];
  if (error) {
    const code = error.extensions?.code ?? 'internal';
    if (code === 'unauthenticated' && !retried && (await refreshSession()))
      return gql<T>(query, variables, true);
    throw new ApiError(code, error.message, error.extensions?.fields ?? {});
  }
  if (!body.data) throw new ApiError('internal', t('error.noData'));
  return body.data;
}

/** Throws the REST error body `{ error: { code, message } }` as an ApiError. */
export async function restError(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    return new ApiError(body.error?.code ?? 'internal', body.error?.message ?? `HTTP ${response.status}`);
  } catch {
    return new ApiError('internal', `HTTP ${response.status}`);
  }
}

/** POSTs and reads server-sent events until the stream ends or the signal aborts. */
export async function* postEventStream(
  url: string,
  body: unknown,
  signal?: AbortSignal,
): AsyncGenerator<ServerEvent> {
  const response = await authedFetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
  if (!response.ok || !response.body) throw await restError(response);
  yield* readEventStream(response.body);
}

/** Downloads a file through fetch (the bearer header cannot ride on a plain link) and saves it. */
export async function download(url: string, fallbackName: string): Promise<string> {
  const response = await authedFetch(url);
  if (!response.ok) throw await restError(response);
  const disposition = response.headers.get('content-disposition') ?? '';
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return filename;
}

export interface UploadHandle {
  done: Promise<unknown>;
  abort(): void;
}

/** Multipart upload with progress (fetch cannot report upload progress; XHR can). */
export function uploadFile(
  url: string,
  form: FormData,
  onProgress: (fraction: number) => void,
  retried = false,
): UploadHandle {
  const xhr = new XMLHttpRequest();
  let aborted = false;
  const done = new Promise<unknown>((resolve, reject) => {
    xhr.open('POST', url);
    for (const [key, value] of Object.entries(authHeaders())) xhr.setRequestHeader(key, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError('network', t('error.uploadInterrupted')));
    xhr.onabort = () => reject(new ApiError('aborted', t('error.uploadCancelled')));
    xhr.onload = () => {
      type Body = { error?: { code?: string; message?: string } } | null;
      const body = parseJson(xhr.responseText) as Body;
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body);
      if (xhr.status === 401 && !retried && !aborted) {
        void refreshSession().then((ok) => {
          if (!ok) return reject(new ApiError('unauthenticated', t('error.signInAgain')));
          uploadFile(url, form, onProgress, true).done.then(resolve, reject);
        });
        return;
      }
      reject(new ApiError(body?.error?.code ?? 'internal', body?.error?.message ?? `HTTP ${xhr.status}`));
    };
    xhr.send(form);
  });
  return {
    done,
    abort: () => {
      aborted = true;
      xhr.abort();
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
