/**
 * botbuilder 4.23 serialises outgoing activities with @azure/core-client, which keeps only the properties
 * its `Entity` mapper names (type, text, mentioned): Teams' `streaminfo` fields and the schema.org
 * `Message` entity (AI label, citations) would reach Teams as `{ type }` alone. The Activity mapper means
 * entities to carry any property (its element lists `additionalProperties`), but core-client reads that
 * from the referenced `Entity` mapper, so it is allowed there, once. The Teams tests read entities back
 * from the wire and fail if this stops working.
 */
import { createRequire } from 'node:module';

interface CompositeMapper {
  type: { additionalProperties?: { type: { name: string } } };
}

let done = false;

export function keepEntityProperties(): void {
  if (done) return;
  const require = createRequire(import.meta.url);
  // The same module instance the connector's serialisers hold (one botframework-connector is installed).
  const mappers = require('botframework-connector/lib/connectorApi/models/mappers') as {
    Entity?: CompositeMapper;
  };
  if (!mappers.Entity)
    throw new Error('botframework-connector has no Entity mapper: check keepEntityProperties');
  mappers.Entity.type.additionalProperties ??= { type: { name: 'Object' } };
  done = true;
}
