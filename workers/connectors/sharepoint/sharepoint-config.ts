/** A SharePoint/OneDrive source's settings: the Entra app, and which site, library or OneDrive. */
import { z } from 'zod';
import { AppError } from '#core';

/** Graph ids and names go into URL paths: only the characters they are made of. */
const graphId = /^[A-Za-z0-9!_.,:@\-{}]+$/;

export const sharepointConfigSchema = z
  .object({
    tenantId: z
      .string()
      .trim()
      .min(1, 'the tenant id is required')
      .regex(
        /^[A-Za-z0-9.-]+$/,
        'must be a directory (tenant) id or a domain such as contoso.onmicrosoft.com',
      ),
    clientId: z
      .string()
      .trim()
      .regex(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i, 'must be the app’s application (client) id'),
    /** A site URL (https://contoso.sharepoint.com/sites/HR) or a Graph site id. */
    site: z.string().trim().min(1).optional(),
    /** A user's e-mail or id: their OneDrive. */
    user: z.string().trim().min(1).regex(graphId, 'must be an e-mail or a user id').optional(),
    /** One drive (document library) only. */
    driveId: z.string().trim().min(1).regex(graphId, 'must be a drive id').optional(),
  })
  .refine((c) => Boolean(c.site || c.user || c.driveId), {
    message: 'give a site, a user (OneDrive) or a drive id',
    path: ['site'],
  })
  .refine((c) => !(c.site && c.user), { message: 'give a site or a user, not both', path: ['user'] });
export type SharepointConfig = z.infer<typeof sharepointConfigSchema>;

/** https://contoso.sharepoint.com/sites/HR → /sites/contoso.sharepoint.com:/sites/HR (Graph's path form). */
export function sitePath(site: string): string {
  if (!/^https?:\/\//i.test(site)) {
    if (!graphId.test(site))
      throw new AppError('invalid_input', 'site: must be a site URL or a Graph site id');
    return `/sites/${site}`;
  }
  const url = new URL(site);
  const path = decodeURIComponent(url.pathname).replace(/\/+$/, '');
  const segments = path.split('/').map(encodeURIComponent).join('/');
  return path ? `/sites/${url.hostname}:${segments}:` : `/sites/${url.hostname}`;
}
