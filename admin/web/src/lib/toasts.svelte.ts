/** Short confirmations and failures, announced to screen readers by the live region in App. */
export interface Toast {
  id: number;
  kind: 'ok' | 'error';
  text: string;
}

export const toasts = $state<Toast[]>([]);
let next = 1;

export function notify(text: string, kind: Toast['kind'] = 'ok'): void {
  const id = next++;
  toasts.push({ id, kind, text });
  setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
}

export function dismiss(id: number): void {
  const index = toasts.findIndex((toast) => toast.id === id);
  if (index >= 0) toasts.splice(index, 1);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
