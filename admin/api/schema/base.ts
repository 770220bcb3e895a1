/** Scalars, enums and shared types every module uses. */

import type { IResolvers } from '@graphql-tools/utils';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { accessDirectivesTypeDefs } from '../access-rules.ts';
import type { AdminContext } from '../context.ts';

export const typeDefs = `
${accessDirectivesTypeDefs}
"An instant, as an ISO 8601 string in UTC (2026-01-31T09:30:00.000Z)."
scalar DateTime

"A calendar day, as YYYY-MM-DD (UTC)."
scalar Date

"Any JSON value."
scalar JSON

enum Role {
  admin
  curator
  auditor
  member
}

enum Platform {
  slack
  teams
  web
  api
  cli
}

enum DocumentStatus {
  queued
  processing
  ready
  failed
}

enum ReplyMode {
  "Answer when mentioned."
  mention
  "Answer every question in the channel."
  all
}

enum Feedback {
  up
  down
}

type PageInfo {
  hasNextPage: Boolean!
  "Pass as \`after\` to get the next page."
  endCursor: String
}
`;

function parseInstant(value: unknown): Date {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new GraphQLError('DateTime must be an ISO 8601 string', { extensions: { code: 'invalid_input' } });
  }
  return new Date(value);
}

function parseDay(value: unknown): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new GraphQLError('Date must be YYYY-MM-DD', { extensions: { code: 'invalid_input' } });
  }
  return value;
}

export const resolvers: IResolvers<unknown, AdminContext> = {
  DateTime: new GraphQLScalarType({
    name: 'DateTime',
    serialize: (value) => (value instanceof Date ? value : new Date(String(value))).toISOString(),
    parseValue: parseInstant,
    parseLiteral: (ast) => parseInstant(ast.kind === Kind.STRING ? ast.value : null),
  }),
  Date: new GraphQLScalarType({
    name: 'Date',
    serialize: (value) =>
      value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10),
    parseValue: parseDay,
    parseLiteral: (ast) => parseDay(ast.kind === Kind.STRING ? ast.value : null),
  }),
  JSON: new GraphQLScalarType({
    name: 'JSON',
    serialize: (value) => value,
    parseValue: (value) => value,
  }),
};
