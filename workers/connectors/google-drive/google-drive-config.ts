import { z } from 'zod';

/**
 * A Google Drive source: what a service account can read, or one shared drive. The service account's JSON
 * key is the source's sealed secret, never part of this config; share the drive (or folders) with the
 * account's e-mail, or grant it domain-wide delegation and name the user to act as.
 */
export const googleDriveConfigSchema = z.object({
  /** A shared drive's id (from its URL, drive/folders/<id>); without it, everything shared with the account. */
  driveId: z.string().trim().min(1).max(200).optional(),
  /** Domain-wide delegation: the Workspace user whose Drive is read. */
  subject: z.string().trim().email('must be an e-mail address').optional(),
  /** Google Docs, Sheets and Slides exported as Office files (DOCX/XLSX/PPTX), or all as PDF. */
  exportAs: z.enum(['office', 'pdf'], { message: 'must be "office" or "pdf"' }).default('office'),
  /** Google's API host; another only for a private endpoint (restricted.googleapis.com) or a test. */
  apiUrl: z
    .string()
    .trim()
    .url('must be a URL')
    .refine((value) => /^https?:\/\//i.test(value), 'must start with http:// or https://')
    .default('https://www.googleapis.com'),
});
export type GoogleDriveConfig = z.output<typeof googleDriveConfigSchema>;
