/** Microsoft's recorded payloads (tests/fixtures/connectors/microsoft-graph/) fed in as they are. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  classifyDeltaItem,
  type GraphPermission,
  readDeltaPage,
  readersFromPermissions,
  tokenErrorReason,
} from './graph-mapping.ts';

const fixture = (name: string): unknown =>
  JSON.parse(
    readFileSync(
      path.join(import.meta.dirname, '../../../tests/fixtures/connectors/microsoft-graph', name),
      'utf8',
    ),
  );

describe('Microsoft Graph payloads', () => {
  it('reads a delta page: folders skipped, files kept, deleted items removed, the nextLink onwards', () => {
    const page = readDeltaPage(fixture('delta-page1-nextLink.json'));
    expect(page.nextLink).toBe('https://graph.microsoft.com/v1.0/me/drive/delta(token=1230919asd190410jlka)');
    expect(page.deltaLink).toBeNull();
    expect(page.items.map(classifyDeltaItem)).toEqual([
      { kind: 'skip' },
      { kind: 'file', item: { id: '123010204abac', name: 'file.txt', file: {} } },
      { kind: 'delete', itemId: '2353010204ddgg' },
    ]);
  });

  it('reads the last page: its deltaLink is the cursor, and a deleted folder is a deletion too', () => {
    for (const name of ['delta-last-page-deltaLink.json', 'delta-last-page-deltaLink.graph-docs.json']) {
      const page = readDeltaPage(fixture(name));
      expect(page.nextLink).toBeNull();
      expect(page.deltaLink).toMatch(
        /^https:\/\/graph\.microsoft\.com\/v1\.0\/me\/drive\/root\/delta\?\(token='/,
      );
      expect(page.items.map(classifyDeltaItem).map((entry) => entry.kind)).toEqual(['delete', 'file']);
    }
    const latest = readDeltaPage(fixture('delta-token-latest.json'));
    expect(latest).toEqual({
      items: [],
      nextLink: null,
      deltaLink: 'https://graph.microsoft.com/v1.0/me/drive/root/delta?token=1230919asd190410jlka',
    });
  });

  it('maps the recorded permissions: a scope-less link and an app link name no one, the user is looked up by id', () => {
    for (const name of [
      'driveitem-permissions.onedrive-docs.json',
      'driveitem-permissions.graph-docs.json',
    ]) {
      const { value } = fixture(name) as { value: GraphPermission[] };
      expect(readersFromPermissions(value)).toEqual({
        open: false,
        emails: [],
        groups: [],
        userIdsWithoutEmail: ['5D33DD65C6932946'],
      });
    }
  });

  it('an organisation-wide link leaves the decision to the collection; named people and groups are readers', () => {
    expect(
      readersFromPermissions([
        { roles: ['read'], grantedToV2: { user: { id: 'u1', email: 'Kim.Minsu@Contoso.com' } } },
        { roles: ['read'], link: { scope: 'organization', type: 'view' } },
      ]),
    ).toEqual({ open: true });
    expect(
      readersFromPermissions([
        { roles: ['write'], grantedToV2: { group: { id: 'b7f1…-hr', displayName: '인사팀' } } },
        {
          roles: ['read'],
          grantedToV2: { siteUser: { id: '7', loginName: 'i:0#.f|membership|lee@contoso.com' } },
        },
        { roles: ['read'], grantedToV2: { siteGroup: { id: '3', displayName: 'HR Members' } } },
        {
          roles: ['read'],
          link: { scope: 'users', type: 'view' },
          grantedToIdentitiesV2: [{ user: { id: 'u9', email: 'park@contoso.com' } }],
        },
        // No role, no access.
        { roles: [], grantedToV2: { user: { id: 'u2', email: 'nobody@contoso.com' } } },
      ]),
    ).toEqual({
      open: false,
      emails: ['lee@contoso.com', 'park@contoso.com'],
      groups: ['HR Members', 'b7f1…-hr'],
      userIdsWithoutEmail: [],
    });
  });

  it('the recorded token error becomes one line with its AADSTS reason and no trace ids', () => {
    expect(tokenErrorReason(fixture('oauth2-v2-token-error-invalid_scope.json'))).toBe(
      "invalid_scope: AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope https://foo.microsoft.com/.default is not valid.",
    );
  });
});
