/**
 * Settings changed at run time: retention, redaction of personal data in stored questions, model prices,
 * and the Slack assistant's suggested prompts per language.
 */
import type { IResolvers } from '@graphql-tools/utils';
import { z } from 'zod';
import { type RuntimeSettings, readSettings, writeSettings } from '#db';
import { AVAILABLE_LOCALES } from '#i18n';
import { type AdminContext, audited } from '../context.ts';
import { parseInput } from '../validation.ts';

export const typeDefs = `
type ModelPrice {
  "A model name, or a prefix of dated variants."
  model: String!
  "USD per million prompt tokens."
  promptPerMillion: Float!
  "USD per million completion tokens."
  completionPerMillion: Float!
}

input ModelPriceInput {
  model: String!
  promptPerMillion: Float!
  completionPerMillion: Float!
}

type SuggestedPrompt {
  "The button's label."
  title: String!
  "The question it asks."
  message: String!
}

type SuggestedPrompts {
  "A language with a catalogue (en, ko)."
  locale: String!
  "At most four; empty shows the language's built-in prompts."
  prompts: [SuggestedPrompt!]!
}

input SuggestedPromptInput {
  title: String!
  message: String!
}

input SuggestedPromptsInput {
  locale: String!
  prompts: [SuggestedPromptInput!]!
}

type Settings {
  "Conversations older than this many days are purged; 0 keeps them forever."
  retentionDays: Int!
  "Replace e-mail addresses in stored questions with [email]."
  redactEmails: Boolean!
  "Replace phone numbers in stored questions with [phone]."
  redactPhoneNumbers: Boolean!
  modelPrices: [ModelPrice!]!
  "What the Slack assistant suggests when a thread opens, for each language."
  suggestedPrompts: [SuggestedPrompts!]!
}

type Query {
  settings: Settings! @allow(roles: [admin, auditor])
}

type Mutation {
  "Changes the given settings; redaction applies to questions stored from now on."
  updateSettings(retentionDays: Int, redactEmails: Boolean, redactPhoneNumbers: Boolean, modelPrices: [ModelPriceInput!], suggestedPrompts: [SuggestedPromptsInput!]): Settings! @allow(roles: [admin])
}
`;

function toGraphql(settings: RuntimeSettings) {
  return {
    retentionDays: settings.retentionDays,
    redactEmails: settings.redaction.emails,
    redactPhoneNumbers: settings.redaction.phoneNumbers,
    modelPrices: settings.modelPrices,
    suggestedPrompts: AVAILABLE_LOCALES.map((locale) => ({
      locale,
      prompts: settings.suggestedPrompts[locale] ?? [],
    })),
  };
}

const price = z.number().min(0, 'must not be negative').max(100_000, 'is implausibly high');

export const resolvers: IResolvers<unknown, AdminContext> = {
  Query: {
    settings: async (_parent, _args, ctx) =>
      toGraphql(await readSettings(ctx.services.db, { retentionDays: ctx.services.config.RETENTION_DAYS })),
  },
  Mutation: {
    updateSettings: async (_parent, args, ctx) => {
      const input = parseInput(
        z.object({
          retentionDays: z
            .number()
            .int()
            .min(0, 'must not be negative')
            .max(36_500, 'must be at most 36500')
            .nullish(),
          redactEmails: z.boolean().nullish(),
          redactPhoneNumbers: z.boolean().nullish(),
          modelPrices: z
            .array(
              z.object({
                model: z.string().trim().min(1, 'must not be empty').max(200),
                promptPerMillion: price,
                completionPerMillion: price,
              }),
            )
            .max(200)
            .nullish(),
          suggestedPrompts: z
            .array(
              z.object({
                locale: z
                  .string()
                  .refine(
                    (v) => AVAILABLE_LOCALES.includes(v),
                    `must be one of ${AVAILABLE_LOCALES.join(', ')}`,
                  ),
                prompts: z
                  .array(
                    z.object({
                      title: z
                        .string()
                        .trim()
                        .min(1, 'must not be empty')
                        .max(75, 'must be at most 75 characters'),
                      message: z.string().trim().min(1, 'must not be empty').max(2000, 'is too long'),
                    }),
                  )
                  .max(4, 'Slack shows at most 4 prompts'),
              }),
            )
            .nullish(),
        }),
        args,
      );
      const defaults = { retentionDays: ctx.services.config.RETENTION_DAYS };
      return audited(ctx, async (tx, record) => {
        const before = await readSettings(tx, defaults);
        const patch: { -readonly [K in keyof RuntimeSettings]?: RuntimeSettings[K] } = {};
        if (input.retentionDays !== null && input.retentionDays !== undefined)
          patch.retentionDays = input.retentionDays;
        if (typeof input.redactEmails === 'boolean' || typeof input.redactPhoneNumbers === 'boolean') {
          patch.redaction = {
            emails: input.redactEmails ?? before.redaction.emails,
            phoneNumbers: input.redactPhoneNumbers ?? before.redaction.phoneNumbers,
          };
        }
        if (input.modelPrices) patch.modelPrices = input.modelPrices;
        if (input.suggestedPrompts) {
          // Languages not sent keep their prompts.
          const prompts = { ...before.suggestedPrompts };
          for (const entry of input.suggestedPrompts) prompts[entry.locale] = entry.prompts;
          patch.suggestedPrompts = prompts;
        }
        await writeSettings(tx, patch);
        await record({
          action: 'settings.update',
          targetType: 'settings',
          targetId: null,
          data: { changes: patch },
        });
        return toGraphql(await readSettings(tx, defaults));
      });
    },
  },
};
