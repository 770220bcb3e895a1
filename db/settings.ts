/**
 * Settings an admin changes at run time (the settings table, one JSON value per key). Environment
 * variables give the defaults; a stored value wins.
 */
import { inArray, sql } from 'drizzle-orm';
import type { SuggestedPrompt } from '../core/domain.ts';
import { DEFAULT_MODEL_PRICES, type ModelPrice } from '../core/model-prices.ts';
import { NO_REDACTION, type RedactionRules } from '../core/redaction.ts';
import type { Executor } from './client.ts';
import { settings } from './schema.ts';

export interface RuntimeSettings {
  /** Conversations older than this many days are purged; 0 keeps them forever. */
  readonly retentionDays: number;
  readonly redaction: RedactionRules;
  readonly modelPrices: readonly ModelPrice[];
  /** The Slack assistant's suggested prompts by language ('en', 'ko'); a language absent uses the catalogue's. */
  readonly suggestedPrompts: Readonly<Record<string, readonly SuggestedPrompt[]>>;
}

const KEYS = {
  retentionDays: 'retention_days',
  redaction: 'redaction',
  modelPrices: 'model_prices',
  suggestedPrompts: 'suggested_prompts',
} as const;

function promptsOf(value: unknown): Record<string, SuggestedPrompt[]> {
  if (value === null || typeof value !== 'object') return {};
  const prompts: Record<string, SuggestedPrompt[]> = {};
  for (const [locale, list] of Object.entries(value)) {
    if (!Array.isArray(list)) continue;
    prompts[locale] = list.filter(
      (p): p is SuggestedPrompt => typeof p?.title === 'string' && typeof p?.message === 'string',
    );
  }
  return prompts;
}

export async function readSettings(
  db: Executor,
  defaults: { retentionDays: number },
): Promise<RuntimeSettings> {
  const stored = await db
    .select({ key: settings.key, value: settings.value })
    .from(settings)
    .where(inArray(settings.key, Object.values(KEYS)));
  const value = (key: string) => stored.find((row) => row.key === key)?.value;
  const retention = value(KEYS.retentionDays);
  const redaction = value(KEYS.redaction) as Partial<RedactionRules> | undefined;
  const prices = value(KEYS.modelPrices);
  return {
    retentionDays: typeof retention === 'number' ? retention : defaults.retentionDays,
    redaction: {
      emails: redaction?.emails === true,
      phoneNumbers: redaction?.phoneNumbers === true,
    },
    modelPrices: Array.isArray(prices) ? (prices as ModelPrice[]) : DEFAULT_MODEL_PRICES,
    suggestedPrompts: promptsOf(value(KEYS.suggestedPrompts)),
  };
}

/** The suggested prompts an admin set for `locale`; empty when none were set (the catalogue's are shown). */
export async function readSuggestedPrompts(db: Executor, locale: string): Promise<SuggestedPrompt[]> {
  const [row] = await db
    .select({ value: settings.value })
    .from(settings)
    .where(inArray(settings.key, [KEYS.suggestedPrompts]));
  return promptsOf(row?.value)[locale] ?? [];
}

/** The redaction rules alone, for the conversation store (read inside the transaction that stores). */
export async function readRedactionRules(db: Executor): Promise<RedactionRules> {
  const [row] = await db
    .select({ value: settings.value })
    .from(settings)
    .where(inArray(settings.key, [KEYS.redaction]));
  const value = row?.value as Partial<RedactionRules> | undefined;
  return value ? { emails: value.emails === true, phoneNumbers: value.phoneNumbers === true } : NO_REDACTION;
}

/** Writes the given settings; call with the transaction that also records the audit event. */
export async function writeSettings(db: Executor, patch: Partial<RuntimeSettings>): Promise<void> {
  const entries: [string, unknown][] = [];
  if (patch.retentionDays !== undefined) entries.push([KEYS.retentionDays, patch.retentionDays]);
  if (patch.redaction !== undefined) entries.push([KEYS.redaction, patch.redaction]);
  if (patch.modelPrices !== undefined) entries.push([KEYS.modelPrices, patch.modelPrices]);
  if (patch.suggestedPrompts !== undefined) entries.push([KEYS.suggestedPrompts, patch.suggestedPrompts]);
  for (const [key, value] of entries) {
    await db
      .insert(settings)
      .values({ key, value })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: sql`now()` } });
  }
}
