/**
 * The admin API's schema: SDL and resolvers per module, merged, with the access rules enforced.
 * `admin/api/schema.graphql` is printed from this (npm run schema:write) and checked for drift.
 */
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import { createSchema } from 'graphql-yoga';
import { enforceAccessRules } from '../access-rules.ts';
import type { AdminContext } from '../context.ts';
import * as answerFeedback from './answer-feedback.ts';
import * as apiKeys from './api-keys.ts';
import * as audit from './audit.ts';
import * as auth from './auth.ts';
import * as base from './base.ts';
import * as channels from './channels.ts';
import * as collections from './collections.ts';
import * as conversations from './conversations.ts';
import * as documents from './documents.ts';
import * as groups from './groups.ts';
import * as settings from './settings.ts';
import * as sources from './sources.ts';
import * as system from './system.ts';
import * as usage from './usage.ts';
import * as users from './users.ts';

const modules = [
  base,
  auth,
  users,
  groups,
  apiKeys,
  collections,
  channels,
  documents,
  sources,
  conversations,
  answerFeedback,
  usage,
  audit,
  settings,
  system,
];

/** The schema before the access rules wrap its resolvers (what the SDL file shows). */
export function buildRawSchema(): GraphQLSchema {
  return createSchema<AdminContext>({
    typeDefs: modules.map((m) => m.typeDefs),
    resolvers: modules.map((m) => m.resolvers),
  });
}

export function buildAdminSchema(): GraphQLSchema {
  return enforceAccessRules(buildRawSchema());
}

export function printAdminSchema(): string {
  return `${printSchemaWithDirectives(buildRawSchema()).trim()}\n`;
}
