import { sha256Hex } from './security.ts';

/** The fields an audit event's hash covers. Changing any of them, or the order of events, breaks the chain. */
export interface AuditFields {
  readonly id: number;
  readonly at: Date;
  readonly actorId: string | null;
  readonly actorLabel: string;
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly data: Record<string, unknown>;
  readonly ip: string | null;
}

export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function hashAuditEvent(prevHash: string, event: AuditFields): string {
  return sha256Hex(
    `${prevHash}\n${canonicalJson({
      id: event.id,
      at: new Date(Math.floor(event.at.getTime())).toISOString(),
      actorId: event.actorId,
      actorLabel: event.actorLabel,
      action: event.action,
      targetType: event.targetType,
      targetId: event.targetId,
      data: event.data,
      ip: event.ip,
    })}`,
  );
}
