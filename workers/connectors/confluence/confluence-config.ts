import { z } from 'zod';

/**
 * A Confluence source: one site, some spaces. Cloud signs in with an Atlassian account's e-mail and an API
 * token (basic auth); Server/Data Center with a personal access token (bearer). The token is the source's
 * sealed secret, never part of this config.
 */
export const confluenceConfigSchema = z
  .object({
    deployment: z.enum(['cloud', 'server'], { message: 'must be "cloud" or "server"' }),
    /** Cloud: https://your-site.atlassian.net; Server/Data Center: the base URL with its context path. */
    baseUrl: z
      .string()
      .trim()
      .url('must be a URL')
      .refine((value) => /^https?:\/\//i.test(value), 'must start with http:// or https://'),
    spaceKeys: z
      .array(z.string().trim().min(1, 'a space key cannot be empty').max(255))
      .min(1, 'name at least one space key')
      .max(100),
    /** Cloud only: the account the API token belongs to. */
    email: z.string().trim().email('must be an e-mail address').optional(),
    /** Attachments of supported types (PDF, DOCX, XLSX…) become documents of their own. */
    attachments: z.boolean().default(true),
  })
  .refine((config) => config.deployment !== 'cloud' || config.email !== undefined, {
    message: 'Confluence Cloud needs the e-mail of the account the API token belongs to',
    path: ['email'],
  });
export type ConfluenceConfig = z.output<typeof confluenceConfigSchema>;
