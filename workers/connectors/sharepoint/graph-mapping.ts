/**
 * Microsoft Graph payloads mapped to our domain, with no IO: a delta page to items and links, an item's
 * permissions to its readers. Shapes follow the Graph v1.0 reference (driveItem, permission, identitySet).
 */

export interface GraphIdentity {
  readonly id?: string;
  readonly displayName?: string;
  readonly email?: string;
  readonly loginName?: string;
}

interface IdentitySet {
  readonly user?: GraphIdentity;
  readonly group?: GraphIdentity;
  readonly siteUser?: GraphIdentity;
  readonly siteGroup?: GraphIdentity;
  readonly application?: GraphIdentity;
}

export interface GraphPermission {
  readonly id?: string;
  readonly roles?: readonly string[];
  readonly link?: { readonly scope?: string; readonly type?: string; readonly application?: GraphIdentity };
  readonly grantedTo?: IdentitySet;
  readonly grantedToV2?: IdentitySet;
  readonly grantedToIdentities?: readonly IdentitySet[];
  readonly grantedToIdentitiesV2?: readonly IdentitySet[];
}

export interface GraphDriveItem {
  readonly id: string;
  readonly name?: string;
  readonly eTag?: string;
  readonly cTag?: string;
  readonly size?: number;
  readonly webUrl?: string;
  readonly file?: { readonly mimeType?: string };
  readonly folder?: unknown;
  readonly package?: unknown;
  readonly root?: unknown;
  readonly deleted?: unknown;
  readonly '@microsoft.graph.downloadUrl'?: string;
}

export interface DeltaPage {
  readonly items: readonly GraphDriveItem[];
  readonly nextLink: string | null;
  readonly deltaLink: string | null;
}

/** A delta page's items and its link onwards; a page with neither link is malformed. */
export function readDeltaPage(body: unknown): DeltaPage {
  const page = (body ?? {}) as Record<string, unknown>;
  const value = Array.isArray(page.value) ? page.value : [];
  const items = value.filter(
    (item): item is GraphDriveItem =>
      typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string',
  );
  const link = (key: string) => (typeof page[key] === 'string' ? (page[key] as string) : null);
  return { items, nextLink: link('@odata.nextLink'), deltaLink: link('@odata.deltaLink') };
}

export type DeltaEntry =
  | { readonly kind: 'delete'; readonly itemId: string }
  | { readonly kind: 'file'; readonly item: GraphDriveItem }
  /** Folders, the root, OneNote packages: not documents. */
  | { readonly kind: 'skip' };

export function classifyDeltaItem(item: GraphDriveItem): DeltaEntry {
  // A deleted item may have lost its file/folder facet; deleting an id we never stored is harmless.
  if (item.deleted !== undefined) return { kind: 'delete', itemId: item.id };
  if (item.file !== undefined && item.root === undefined) return { kind: 'file', item };
  return { kind: 'skip' };
}

/**
 * What an item's permissions say about who may read it.
 * - `open`: a sharing link for the whole organisation (or anyone): no restriction from the source, so the
 *   collection's own rule decides. Anyone in the company can open such a link, so restricting it further here
 *   would hide a document its owner chose to share with everyone.
 * - otherwise the people and groups granted a role: e-mails, Entra group ids, SharePoint site groups by name,
 *   and user ids whose e-mail Graph did not include (the connector looks those up).
 * A link without a scope (OneDrive personal) or granted to an application names no one: it adds no reader.
 */
export type MappedReaders =
  | { readonly open: true }
  | {
      readonly open: false;
      readonly emails: readonly string[];
      readonly groups: readonly string[];
      readonly userIdsWithoutEmail: readonly string[];
    };

/** `i:0#.f|membership|kim@contoso.com` → kim@contoso.com (a SharePoint claims login name). */
function emailFromLoginName(loginName: string | undefined): string | null {
  const last = loginName?.split('|').pop();
  return last && /^[^@\s]+@[^@\s]+$/.test(last) ? last : null;
}

export function readersFromPermissions(permissions: readonly GraphPermission[]): MappedReaders {
  const emails = new Set<string>();
  const groups = new Set<string>();
  const unresolved = new Set<string>();

  const addIdentitySet = (set: IdentitySet | undefined) => {
    if (!set) return;
    if (set.user || set.siteUser) {
      const email =
        set.user?.email ??
        set.siteUser?.email ??
        emailFromLoginName(set.siteUser?.loginName) ??
        emailFromLoginName(set.user?.loginName);
      if (email) emails.add(email.toLowerCase());
      else if (set.user?.id) unresolved.add(set.user.id);
    }
    if (set.group?.id) groups.add(set.group.id);
    else if (set.siteGroup?.displayName) groups.add(set.siteGroup.displayName);
  };

  for (const permission of permissions) {
    if ((permission.roles ?? []).length === 0) continue;
    const scope = permission.link?.scope;
    if (scope === 'organization' || scope === 'anonymous') return { open: true };
    addIdentitySet(permission.grantedToV2 ?? permission.grantedTo);
    for (const set of permission.grantedToIdentitiesV2 ?? permission.grantedToIdentities ?? []) {
      addIdentitySet(set);
    }
  }
  return {
    open: false,
    emails: [...emails].sort(),
    groups: [...groups].sort(),
    userIdsWithoutEmail: [...unresolved].sort(),
  };
}

/** The first line of an Entra error description: the AADSTS code and sentence, without trace ids. */
export function tokenErrorReason(body: unknown): string {
  const error = (body ?? {}) as { error?: unknown; error_description?: unknown };
  const code = typeof error.error === 'string' ? error.error : 'unknown_error';
  const description =
    typeof error.error_description === 'string' ? error.error_description.split(/\r?\n/)[0]!.trim() : '';
  return description ? `${code}: ${description}` : code;
}

/** Graph's `{ error: { code, message } }` as one line. */
export function graphErrorReason(status: number, body: unknown): string {
  const error = ((body ?? {}) as { error?: { code?: unknown; message?: unknown } }).error;
  const code = typeof error?.code === 'string' ? error.code : null;
  const message = typeof error?.message === 'string' ? error.message : null;
  return [`HTTP ${status}`, code, message].filter(Boolean).join(' ');
}
