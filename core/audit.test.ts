import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS_HASH, canonicalJson, hashAuditEvent } from './audit.ts';

const event = {
  id: 1,
  at: new Date('2026-01-02T03:04:05.678Z'),
  actorId: null,
  actorLabel: 'system',
  action: 'user.create',
  targetType: 'user',
  targetId: 'u1',
  data: { role: 'admin', email: 'a@example.com' },
  ip: null,
};

describe('audit hashing', () => {
  it('is independent of key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } })).toBe(
      '{"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}',
    );
  });

  it('changes when any covered field or the previous hash changes', () => {
    const base = hashAuditEvent(AUDIT_GENESIS_HASH, event);
    expect(hashAuditEvent(AUDIT_GENESIS_HASH, { ...event })).toBe(base);
    expect(
      hashAuditEvent(AUDIT_GENESIS_HASH, { ...event, data: { ...event.data, role: 'member' } }),
    ).not.toBe(base);
    expect(hashAuditEvent(AUDIT_GENESIS_HASH, { ...event, actorLabel: 'mallory' })).not.toBe(base);
    expect(hashAuditEvent(AUDIT_GENESIS_HASH, { ...event, at: new Date(event.at.getTime() + 1) })).not.toBe(
      base,
    );
    expect(hashAuditEvent('f'.repeat(64), event)).not.toBe(base);
  });
});
