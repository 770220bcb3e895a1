import { Parser } from 'htmlparser2';
import { UnprocessableDocumentError } from '../errors.ts';
import type { ZipEntry } from './zip-directory.ts';
import { inflateEntry, readZipWithinLimits, ZipFormatError, ZipTooLargeError } from './zip-directory.ts';

/**
 * The zip packages of XLSX, PPTX and HWPX: opened once through the bomb-guarded reader (every entry
 * counted and proved within limits before anything is parsed), then read part by part as XML events.
 */

/** All parts together may expand to at most this much, as for DOCX: far beyond real documents' XML. */
export const MAX_PACKAGE_BYTES = 160 * 1024 * 1024;

export interface OfficePackage {
  readonly names: readonly string[];
  /** The part's text, or null when the package has no such part. */
  text(name: string): string | null;
}

/** `label` names the format in messages ("Excel workbook"); `required` is the part every valid file has. */
export function openPackage(bytes: Uint8Array, label: string, required: string): OfficePackage {
  let entries: ZipEntry[];
  try {
    entries = readZipWithinLimits(bytes, { maxTotalBytes: MAX_PACKAGE_BYTES });
  } catch (error) {
    if (error instanceof ZipTooLargeError) {
      throw new UnprocessableDocumentError(
        `This ${label} expands to more than ${MAX_PACKAGE_BYTES / 1024 / 1024} MB when opened, which is more than we can process. Split it into smaller files.`,
        { cause: error },
      );
    }
    throw new UnprocessableDocumentError(`This ${label} is damaged and cannot be opened.`, { cause: error });
  }
  if (entries.some((entry) => entry.encrypted)) {
    throw new UnprocessableDocumentError(
      `This ${label} is password-protected. Remove the password and upload it again.`,
    );
  }
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  if (!byName.has(required)) {
    throw new UnprocessableDocumentError(`This ${label} is damaged and cannot be opened.`);
  }
  return {
    names: entries.map((entry) => entry.name),
    text(name) {
      const entry = byName.get(name);
      if (entry === undefined) return null;
      try {
        return new TextDecoder().decode(inflateEntry(bytes, entry, MAX_PACKAGE_BYTES));
      } catch (error) {
        if (error instanceof ZipFormatError) {
          throw new UnprocessableDocumentError(`This ${label} is damaged and cannot be opened.`, {
            cause: error,
          });
        }
        throw error;
      }
    },
  };
}

export interface XmlHandlers {
  /** Element names without their namespace prefix ("sheet", not "x:sheet"). */
  onOpen?(name: string, attributes: Readonly<Record<string, string>>): void;
  onText?(text: string): void;
  onClose?(name: string): void;
}

/**
 * Streams `xml` through the handlers in slices; `stop()` returning true ends the read early, so a
 * million-row sheet past the row limit is not parsed to its end.
 */
export function readXml(xml: string, handlers: XmlHandlers, stop: () => boolean = () => false): void {
  const parser = new Parser(
    {
      onopentag: (name, attributes) => handlers.onOpen?.(localName(name), attributes),
      ontext: (text) => handlers.onText?.(text),
      onclosetag: (name) => handlers.onClose?.(localName(name)),
    },
    { xmlMode: true, decodeEntities: true },
  );
  const slice = 1024 * 1024;
  for (let at = 0; at < xml.length && !stop(); at += slice) parser.write(xml.slice(at, at + slice));
  parser.end();
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Relationship id → target part name, resolved against the folder of the part that owns them. */
export function readRelationships(
  pkg: OfficePackage,
  part: string,
): Map<string, { target: string; type: string }> {
  const slash = part.lastIndexOf('/');
  const folder = part.slice(0, slash + 1);
  const relsName = `${folder}_rels/${part.slice(slash + 1)}.rels`;
  const rels = new Map<string, { target: string; type: string }>();
  const xml = pkg.text(relsName);
  if (xml === null) return rels;
  readXml(xml, {
    onOpen(name, attributes) {
      if (name !== 'Relationship' || attributes.Id === undefined || attributes.Target === undefined) return;
      rels.set(attributes.Id, {
        target: resolvePart(folder, attributes.Target),
        type: attributes.Type ?? '',
      });
    },
  });
  return rels;
}

function resolvePart(folder: string, target: string): string {
  const parts = (target.startsWith('/') ? target.slice(1) : folder + target).split('/');
  const resolved: string[] = [];
  for (const part of parts) {
    if (part === '..') resolved.pop();
    else if (part !== '.' && part !== '') resolved.push(part);
  }
  return resolved.join('/');
}
