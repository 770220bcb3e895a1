/**
 * Refuses GraphQL arguments holding NUL characters or lone surrogates (PostgreSQL's text cannot store
 * them) before any
 * resolver runs, naming the argument: inline literals by argument and input field, variables by name.
 */
import { type ArgumentNode, Kind, type ValueNode, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { assertNoNulCharacters, findNulCharacter, nulCharacterError } from '#core';

function literalWithNul(node: ValueNode, path: string): string | null {
  switch (node.kind) {
    case Kind.STRING:
      return findNulCharacter(node.value, path);
    case Kind.LIST:
      for (const [i, item] of node.values.entries()) {
        const found = literalWithNul(item, `${path}.${i}`);
        if (found) return found;
      }
      return null;
    case Kind.OBJECT:
      for (const field of node.fields) {
        const found = literalWithNul(field.value, `${path}.${field.name.value}`);
        if (found) return found;
      }
      return null;
    default:
      return null;
  }
}

export function useNulGuard(): Plugin {
  return {
    onExecute({ args }) {
      assertNoNulCharacters(args.variableValues ?? {});
      let found: string | null = null;
      visit(args.document, {
        Argument(node: ArgumentNode) {
          found ??= literalWithNul(node.value, node.name.value);
        },
      });
      if (found) throw nulCharacterError(found);
    },
  };
}
