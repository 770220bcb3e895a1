import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The whole environment, parsed once. Every variable here is listed with its default in .env.example
 * and the README. A wrong value stops start-up with a message naming the variable.
 */
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
  .pipe(z.url().optional());

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** proxy-addr's names for whole ranges, besides addresses and CIDRs. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrCidr(value: string): boolean {
  if (PROXY_RANGE_NAMES.has(value)) return true;
  const [address = '', bits, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/**
 * Which proxies may speak for the client (X-Forwarded-For, -Host, -Proto): none when unset; a number is
 * how many hops in front of us to trust; otherwise addresses, CIDRs or loopback/linklocal/uniquelocal.
 */
const trustProxy = optionalString.pipe(
  z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || /^\d{1,2}$/.test(v) || v.split(',').every((p) => isAddressOrCidr(p.trim())),
      'must be a hop count, or a comma-separated list of addresses, CIDRs, loopback, linklocal or uniquelocal',
    )
    .transform((v): number | string[] | undefined =>
      v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v.split(',').map((p) => p.trim()),
    ),
);

/** Browser origins allowed to call the API with credentials (CORS); none when unset. */
function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    const bare = url.pathname === '/' && !url.search && !url.hash && !value.endsWith('/');
    return bare && (url.protocol === 'https:' || url.protocol === 'http:') ? url.origin : null;
  } catch {
    return null;
  }
}

// Kept as the browser sends them: a Korean domain name becomes its punycode (xn--) form.
const corsOrigins = optionalString.pipe(
  z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v.split(',').every((o) => originOf(o.trim()) !== null),
      'must be a comma-separated list of origins such as https://intranet.example.com (no path, no trailing /)',
    )
    .transform((v) => (v === undefined ? undefined : v.split(',').map((o) => originOf(o.trim()) ?? ''))),
);

export const configSchema = z
  .object({
    /**
     * Unset is neither: production-safe API defaults (no GraphiQL, no introspection, no field suggestions)
     * with the embedded default's conveniences (a generated JWT secret). `development` must be asked for.
     */
    NODE_ENV: optionalString.pipe(z.enum(['development', 'production', 'test']).optional()),
    PORT: int(0, 65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    PUBLIC_URL: optionalUrl,
    TRUST_PROXY: trustProxy,
    CORS_ORIGINS: corsOrigins,
    /** When set, GET /metrics needs `Authorization: Bearer <token>`; unset, it is served on METRICS_PORT only. */
    METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
    /** A second listener (on HOST) that serves only /metrics, for a scraper on the internal network. */
    METRICS_PORT: optionalString.pipe(
      z.coerce.number<string | undefined>().int().min(1).max(65535).optional(),
    ),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: optionalUrl,
    DATABASE_POOL_SIZE: int(1, 100).default(10),
    REDIS_URL: optionalUrl,
    /** Prefix of every Redis key and channel: lets several deployments (or test runs) share one Redis. */
    REDIS_PREFIX: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'letters, digits, ".", "_" and "-" only')
      .default('ex-gpt'),
    WORKER_CONCURRENCY: int(1, 64).default(16),
    /** Runs of a job before it fails for good; input that can never succeed fails at once. */
    JOB_ATTEMPTS: int(1, 100).default(5),
    /** First retry delay of a failed job, doubled on each further retry. */
    JOB_BACKOFF_MS: int(10, 3_600_000).default(1000),
    /** A worker's claim on a running job; a crashed worker's job goes to another after this. */
    JOB_LOCK_MS: int(1000, 600_000).default(30_000),
    /** How long a stopping process waits for running jobs before handing them back to the queue. */
    SHUTDOWN_GRACE_MS: int(0, 600_000).default(25_000),
    /** A worker touches this file while its database and Redis answer: the container's health check reads it. */
    WORKER_HEARTBEAT_FILE: optionalString,
    /** On SIGTERM the web process answers /readyz with 503 at once and keeps serving this long (rolling upgrades). */
    SHUTDOWN_DRAIN_MS: int(0, 120_000).default(0),
    /** Signs console access tokens. Unset on the embedded default: generated once and kept in DATA_DIR. */
    JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    /** Seals connector secrets (client secrets, tokens) before they are stored; sources needing one refuse without it. */
    CONNECTOR_SECRET_KEY: optionalString.pipe(
      z.string().min(32, 'must be at least 32 characters').optional(),
    ),
    /** Most pages one website source crawls per run. */
    CONNECTOR_MAX_PAGES: int(1, 1_000_000).default(500),
    /** Microsoft Graph for SharePoint/OneDrive sources (a national cloud, or a local fake in tests). */
    MICROSOFT_GRAPH_URL: z.url().default('https://graph.microsoft.com/v1.0'),
    /** The Microsoft identity platform that issues the sources' app-only tokens. */
    MICROSOFT_LOGIN_URL: z.url().default('https://login.microsoftonline.com'),
    ACCESS_TOKEN_TTL_SECONDS: int(60, 86_400).default(900),
    REFRESH_TOKEN_TTL_DAYS: int(1, 365).default(14),
    LOGIN_MAX_FAILURES: int(1, 100).default(5),
    LOGIN_LOCKOUT_MINUTES: int(1, 1440).default(15),
    LOGIN_RATE_LIMIT_PER_MINUTE: int(1, 10_000).default(10),
    /** Password checks (argon2) running at once; four times as many may wait, further attempts get a 429. */
    LOGIN_HASH_CONCURRENCY: int(1, 64).default(2),
    OIDC_ISSUER_URL: optionalUrl,
    OIDC_CLIENT_ID: optionalString,
    OIDC_CLIENT_SECRET: optionalString,
    OIDC_SCOPES: z.string().min(1).default('openid email profile'),
    OIDC_GROUPS_CLAIM: z.string().min(1).default('groups'),
    OIDC_REDIRECT_URL: optionalUrl,
    ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
    ADMIN_PASSWORD: optionalString.pipe(z.string().min(12, 'must be at least 12 characters').optional()),
    SEED_SAMPLE_DOCS: bool.default(true),
    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: optionalUrl,
    CHAT_MODEL: optionalString,
    CHAT_FALLBACK_MODEL: optionalString,
    CHAT_TIMEOUT_MS: int(1000, 600_000).default(60_000),
    EMBEDDING_MODEL: z.string().min(1).default('local'),
    /**
     * Unset: 384 for the local embedder (scored as 768 on SciFact's train queries, and its HNSW inserts
     * cost half), the model's own size for an OpenAI-compatible one. At most 2,000: pgvector's HNSW limit.
     */
    EMBEDDING_DIMENSIONS: optionalString.pipe(
      z.coerce.number<string | undefined>().int().min(8).max(2000).optional(),
    ),
    EMBEDDING_BATCH_SIZE: int(1, 2048).default(256),
    MAX_UPLOAD_BYTES: int(1, 2 ** 31).default(50 * 1024 * 1024),
    /**
     * Threads that parse and chunk uploaded files, so a big or hostile file never stalls chat and HTTP.
     * Unset: one fewer than the machine's cores, between 1 and 4. 0: in the job's own thread.
     */
    INGEST_THREADS: optionalString.pipe(
      z.coerce.number<string | undefined>().int().min(0).max(64).optional(),
    ),
    /** A file still being parsed after this long is stopped and marked failed. */
    PARSE_TIMEOUT_MS: int(1000, 3_600_000).default(300_000),
    /**
     * Heap one parsing thread may use; a file that needs more is marked failed instead of crashing. A
     * 49 MB plain-text file (57k chunks) needs more than 1 GB and less than 2 GB.
     */
    PARSE_MEMORY_MB: int(64, 16_384).default(2048),
    /**
     * Most chunks one document may have; a file that makes more fails at once with a reason to split it.
     * 16,000 chunks (~5.6M tokens) take a few minutes to write and ~1-2 GB of index on disk.
     */
    MAX_DOCUMENT_CHUNKS: int(1, 1_000_000).default(16_000),
    /** Uploads are refused while the disk holding DATA_DIR has less free space than this (0: never). */
    MIN_FREE_DISK_MB: int(0, 10_000_000).default(1024),
    /**
     * Tesseract's languages for scanned PDF pages ("kor+eng"); empty: no OCR. Used only where the
     * `tesseract` program and these languages' data are installed.
     */
    OCR_LANGUAGES: z
      .string()
      .regex(/^([a-z_]+(\+[a-z_]+)*)?$/i, 'Tesseract languages joined by "+", e.g. kor+eng')
      .default('kor+eng'),
    CHUNK_TOKENS: int(64, 4000).default(350),
    CHUNK_OVERLAP_TOKENS: int(0, 1000).default(50),
    CONTEXT_TOKENS: int(256, 200_000).default(3000),
    /** Questions one chat user may ask per minute (Slack and Teams); more get a polite "wait" reply. */
    CHAT_RATE_LIMIT_PER_MINUTE: int(1, 10_000).default(10),
    /**
     * The language of chat replies when neither the question nor the platform's locale for the user tells
     * (a catalogue in i18n/locales: `en`, `ko`).
     */
    DEFAULT_LOCALE: z
      .string()
      .regex(/^[a-z]{2,3}$/, 'a language code such as en or ko')
      .default('en'),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_BOT_TOKEN: optionalString,
    SLACK_APP_TOKEN: optionalString,
    SLACK_API_URL: z.url().default('https://slack.com/api/'),
    MICROSOFT_APP_ID: optionalString,
    MICROSOFT_APP_PASSWORD: optionalString,
    MICROSOFT_APP_TENANT_ID: optionalString,
    MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
    /** Where the Bot Framework's signing keys are published (tests point it at a local issuer). */
    MICROSOFT_OPENID_METADATA_URL: z
      .url()
      .default('https://login.botframework.com/v1/.well-known/openidconfiguration'),
    /** Teams without MICROSOFT_APP_ID: /api/messages takes unauthenticated activities (local tools only). */
    TEAMS_DEV_MODE: bool.default(false),
    /** Pause between two streamed updates in a Teams personal chat (Microsoft asks for about 1.5–2 s). */
    TEAMS_STREAM_INTERVAL_MS: int(0, 10_000).default(1500),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** auto: readable lines in a terminal (outside production), JSON otherwise (files, containers, collectors). */
    LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
    RETENTION_DAYS: int(0, 36500).default(365),
  })
  .superRefine((config, ctx) => {
    // A generated secret lives in one DATA_DIR: real deployments (several instances, containers) must set it.
    if (config.NODE_ENV === 'production' && !config.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'must be set when NODE_ENV=production' });
    }
    if (config.NODE_ENV === 'production' && config.TEAMS_DEV_MODE) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEAMS_DEV_MODE'],
        message: 'must not be set when NODE_ENV=production (set MICROSOFT_APP_ID instead)',
      });
    }
    if (
      config.MICROSOFT_APP_TYPE !== 'MultiTenant' &&
      config.MICROSOFT_APP_ID &&
      !config.MICROSOFT_APP_TENANT_ID
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['MICROSOFT_APP_TENANT_ID'],
        message: `must be set when MICROSOFT_APP_TYPE=${config.MICROSOFT_APP_TYPE}`,
      });
    }
    // The chunker refuses a larger overlap; caught here, not as documents stuck in "processing".
    if (config.CHUNK_OVERLAP_TOKENS > config.CHUNK_TOKENS / 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['CHUNK_OVERLAP_TOKENS'],
        message: `must be at most half of CHUNK_TOKENS (${Math.floor(config.CHUNK_TOKENS / 2)})`,
      });
    }
    if (config.OIDC_ISSUER_URL && !config.OIDC_CLIENT_ID) {
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_CLIENT_ID'],
        message: 'must be set when OIDC_ISSUER_URL is set',
      });
    }
  });

export type Config = Readonly<z.infer<typeof configSchema>>;

export class ConfigError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** Parse the environment (or any record) into the frozen config; throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return Object.freeze(result.data);
}
