/**
 * The Teams app package people upload to Teams (or their admin to the org's app catalog): manifest.json,
 * a 192×192 colour icon and a 32×32 white-on-transparent outline icon, zipped at the root. The icons are
 * drawn here, so the package needs no image files or tools.
 */
import { crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { AVAILABLE_LOCALES, REFERENCE_LOCALE, type Translator, translatorFor } from '#i18n';

export const MANIFEST_VERSION = '1.19';

export interface TeamsManifestInput {
  /** The bot's Microsoft App ID (MICROSOFT_APP_ID): the app's id and its bot's id. */
  readonly appId: string;
  readonly version: string;
  /** Where ex-GPT is served (PUBLIC_URL, https): the developer's website, privacy and terms pages. */
  readonly publicUrl: string;
  readonly developerName?: string;
}

const ACCENT: readonly [number, number, number] = [0x2f, 0x5d, 0x8c];

/** The manifest's words in one language, keyed as Teams' localization files name the manifest's fields. */
function localizedFields(tr: Translator): Record<string, string> {
  return {
    'name.short': 'ex-GPT',
    'name.full': tr.t('teams.app.nameFull'),
    'description.short': tr.t('teams.app.descriptionShort'),
    'description.full': tr.t('teams.app.descriptionFull'),
    'bots[0].commandLists[0].commands[0].title': tr.t('teams.app.command1.title'),
    'bots[0].commandLists[0].commands[0].description': tr.t('teams.app.command1.description'),
    'bots[0].commandLists[0].commands[1].title': tr.t('teams.app.command2.title'),
    'bots[0].commandLists[0].commands[1].description': tr.t('teams.app.command2.description'),
  };
}

/** Every catalogue but English as a Teams localization file (`ko.json`), which Teams shows to clients in that language. */
export function teamsLocalizations(): {
  languageTag: string;
  file: string;
  content: Record<string, string>;
}[] {
  return AVAILABLE_LOCALES.filter((locale) => locale !== REFERENCE_LOCALE).map((locale) => ({
    languageTag: locale,
    file: `${locale}.json`,
    content: {
      $schema: `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json`,
      ...localizedFields(translatorFor([locale])),
    },
  }));
}

export function teamsManifest(input: TeamsManifestInput): Record<string, unknown> {
  const en = localizedFields(translatorFor([REFERENCE_LOCALE]));
  const field = (name: string): string => en[name] ?? '';
  const site = httpsUrl(input.publicUrl);
  if (!site) throw new Error('The Teams package needs PUBLIC_URL as an https address.');
  const host = new URL(site).host;
  return {
    $schema: `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`,
    manifestVersion: MANIFEST_VERSION,
    version: input.version,
    id: input.appId,
    developer: {
      name: input.developerName ?? 'ex-GPT',
      websiteUrl: site,
      privacyUrl: site,
      termsOfUseUrl: site,
    },
    name: { short: 'ex-GPT', full: field('name.full') },
    description: { short: field('description.short'), full: field('description.full') },
    localizationInfo: {
      defaultLanguageTag: REFERENCE_LOCALE,
      additionalLanguages: teamsLocalizations().map(({ languageTag, file }) => ({ languageTag, file })),
    },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: `#${ACCENT.map((c) => c.toString(16).padStart(2, '0'))
      .join('')
      .toUpperCase()}`,
    bots: [
      {
        botId: input.appId,
        scopes: ['personal', 'team', 'groupChat'],
        isNotificationOnly: false,
        supportsFiles: false,
        supportsCalling: false,
        supportsVideo: false,
        commandLists: [
          {
            scopes: ['personal'],
            commands: [
              {
                title: field('bots[0].commandLists[0].commands[0].title'),
                description: field('bots[0].commandLists[0].commands[0].description'),
              },
              {
                title: field('bots[0].commandLists[0].commands[1].title'),
                description: field('bots[0].commandLists[0].commands[1].description'),
              },
            ],
          },
        ],
      },
    ],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: [host],
  };
}

function httpsUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** A 192×192 icon: the accent colour with a white speech bubble. */
export function colorIcon(): Buffer {
  const size = 192;
  return png(size, size, (x, y) => {
    const inBubble =
      roundedRect(x, y, 40, 48, 152, 128, 22) || triangle(x, y, [64, 126], [96, 126], [60, 156]);
    const inLine = (y >= 72 && y < 82 && x >= 64 && x < 128) || (y >= 94 && y < 104 && x >= 64 && x < 112);
    if (inBubble && !inLine) return [255, 255, 255, 255];
    return [...ACCENT, 255];
  });
}

/** A 32×32 outline icon: a white speech bubble on transparency, as Teams asks. */
export function outlineIcon(): Buffer {
  const size = 32;
  return png(size, size, (x, y) => {
    const outer = roundedRect(x, y, 3, 5, 29, 23, 4) || triangle(x, y, [8, 22], [14, 22], [7, 28]);
    const inner = roundedRect(x, y, 5, 7, 27, 21, 3);
    return outer && !inner ? [255, 255, 255, 255] : [0, 0, 0, 0];
  });
}

function roundedRect(
  x: number,
  y: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  r: number,
): boolean {
  if (x < x0 || x >= x1 || y < y0 || y >= y1) return false;
  const cx = Math.min(Math.max(x, x0 + r), x1 - 1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - 1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

function triangle(
  x: number,
  y: number,
  a: readonly number[],
  b: readonly number[],
  c: readonly number[],
): boolean {
  const side = (p: readonly number[], q: readonly number[]) =>
    (q[0]! - p[0]!) * (y - p[1]!) - (q[1]! - p[1]!) * (x - p[0]!);
  const d1 = side(a, b);
  const d2 = side(b, c);
  const d3 = side(c, a);
  return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
}

/** An 8-bit RGBA PNG. */
export function png(
  width: number,
  height: number,
  pixel: (x: number, y: number) => readonly number[],
): Buffer {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 4 + 1);
    raw[row] = 0; // no filter
    for (let x = 0; x < width; x++) raw.set(pixel(x, y), row + 1 + x * 4);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A zip of files at its root, deflated (what Teams' uploader and every unzip read). */
export function zip(files: readonly { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, 'utf8');
    const raw = deflateRawSync(file.data, { level: 9 });
    const crc = crc32(file.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(0x00210000, 10); // 1980-01-01 00:00, so that builds are reproducible
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(raw.length, 18);
    local.writeUInt32LE(file.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, raw);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0x00210000, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(raw.length, 20);
    central.writeUInt32LE(file.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + raw.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The package: manifest.json, color.png, outline.png and a localization file per further language (ko.json). */
export function teamsAppPackage(input: TeamsManifestInput): Buffer {
  return zip([
    { name: 'manifest.json', data: Buffer.from(`${JSON.stringify(teamsManifest(input), null, 2)}\n`) },
    { name: 'color.png', data: colorIcon() },
    { name: 'outline.png', data: outlineIcon() },
    ...teamsLocalizations().map(({ file, content }) => ({
      name: file,
      data: Buffer.from(`${JSON.stringify(content, null, 2)}\n`),
    })),
  ]);
}
