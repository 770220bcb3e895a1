/**
 * An item's readers from its Graph permissions (see graph-mapping.ts for the rules), with the e-mail of users
 * Graph named by id only looked up once per run through /users/{id}.
 */
import type { SourceReaders } from '#core';
import { type GraphClient, GraphError } from './graph-client.ts';
import { type GraphPermission, readersFromPermissions } from './graph-mapping.ts';

export function createItemReaders(graph: GraphClient) {
  const emailOfUser = new Map<string, string | null>();

  async function emailOf(userId: string, signal: AbortSignal): Promise<string | null> {
    if (emailOfUser.has(userId)) return emailOfUser.get(userId)!;
    let email: string | null = null;
    try {
      const user = await graph.getJson<{ mail?: string | null; userPrincipalName?: string | null }>(
        `/users/${encodeURIComponent(userId)}?$select=mail,userPrincipalName`,
        signal,
      );
      email = (user.mail ?? user.userPrincipalName ?? null)?.toLowerCase() ?? null;
    } catch (error) {
      // Not a user of this directory (a guest removed since, a personal account): they read nothing here.
      if (!(error instanceof GraphError) || (error.httpStatus !== 404 && error.httpStatus !== 403))
        throw error;
    }
    emailOfUser.set(userId, email);
    return email;
  }

  async function readersOf(
    driveId: string,
    itemId: string,
    signal: AbortSignal,
  ): Promise<SourceReaders | null> {
    const permissions: GraphPermission[] = [];
    let next: string | null = `/drives/${driveId}/items/${itemId}/permissions`;
    while (next) {
      const page: { value?: GraphPermission[]; '@odata.nextLink'?: string } = await graph.getJson(
        next,
        signal,
      );
      permissions.push(...(page.value ?? []));
      next = page['@odata.nextLink'] ?? null;
    }
    const mapped = readersFromPermissions(permissions);
    if (mapped.open) return null;
    const emails = new Set(mapped.emails);
    for (const id of mapped.userIdsWithoutEmail) {
      const email = await emailOf(id, signal);
      if (email) emails.add(email);
    }
    return { emails: [...emails].sort(), groups: [...mapped.groups] };
  }

  return readersOf;
}
