/** npm run teams:package: a zip Teams accepts — manifest.json and the two icons at its root. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, inflateRawSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const APP_ID = '0b6fe6d1-fece-44f7-9a48-56465e2d5ab8';
const root = path.resolve(import.meta.dirname, '../..');

/** Reads a zip's entries through its central directory, checking each one's CRC. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const stored = zip.subarray(dataAt, dataAt + size);
    const data = method === 8 ? inflateRawSync(stored) : stored;
    expect(crc32(data), name).toBe(crc);
    files.set(name, data);
    at += 46 + nameLength + extra;
  }
  return files;
}

/** Width, height and the RGBA pixels of an unfiltered 8-bit RGBA PNG (what the packager writes). */
function readPng(data: Buffer): { width: number; height: number; pixels: Buffer } {
  expect(data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = data.readUInt32BE(16);
  const height = data.readUInt32BE(20);
  expect(data[24]).toBe(8);
  expect(data[25]).toBe(6);
  const idat = data.indexOf('IDAT', 0, 'ascii');
  const length = data.readUInt32BE(idat - 4);
  return { width, height, pixels: inflateSync(data.subarray(idat + 4, idat + 4 + length)) };
}

describe('the Teams app package', () => {
  it('is built by npm run teams:package with the manifest for the bot and both icons', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'teams-package-'));
    try {
      execFileSync(process.execPath, ['bot/cli/teams-package.ts', '--out', out, '--version', '1.2.3'], {
        cwd: root,
        env: { ...process.env, MICROSOFT_APP_ID: APP_ID, PUBLIC_URL: 'https://exgpt.example.com/' },
        stdio: 'pipe',
      });
      const files = unzip(readFileSync(path.join(out, 'ex-gpt-teams.zip')));
      expect([...files.keys()].sort()).toEqual(['color.png', 'ko.json', 'manifest.json', 'outline.png']);

      const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
      expect(manifest).toMatchObject({
        manifestVersion: '1.19',
        version: '1.2.3',
        id: APP_ID,
        icons: { color: 'color.png', outline: 'outline.png' },
        validDomains: ['exgpt.example.com'],
        developer: { websiteUrl: 'https://exgpt.example.com' },
      });
      expect(manifest.bots).toEqual([
        expect.objectContaining({ botId: APP_ID, scopes: ['personal', 'team', 'groupChat'] }),
      ]);
      expect(manifest.name.short.length).toBeLessThanOrEqual(30);
      expect(manifest.description.short.length).toBeLessThanOrEqual(80);

      // Korean clients see the Korean name, descriptions and commands (Teams' localization file).
      expect(manifest.localizationInfo).toEqual({
        defaultLanguageTag: 'en',
        additionalLanguages: [{ languageTag: 'ko', file: 'ko.json' }],
      });
      const korean = JSON.parse(files.get('ko.json')!.toString('utf8'));
      expect(korean).toMatchObject({
        'name.short': 'ex-GPT',
        'description.short': '회사 문서를 바탕으로 질문에 답하고 출처를 함께 보여 드립니다.',
        'bots[0].commandLists[0].commands[0].title': '연차는 며칠인가요?',
      });
      expect(korean.$schema).toMatch(/v1\.19\/MicrosoftTeams\.Localization\.schema\.json$/);
      expect(korean['description.short'].length).toBeLessThanOrEqual(80);
      expect(korean['name.full'].length).toBeLessThanOrEqual(100);
      expect(String(korean['description.full'])).toMatch(/\p{Script=Hangul}/u);
      for (const [key, value] of Object.entries(korean))
        if (key.endsWith('.title')) expect(String(value).length, key).toBeLessThanOrEqual(32);

      const color = readPng(files.get('color.png')!);
      expect([color.width, color.height]).toEqual([192, 192]);
      const outline = readPng(files.get('outline.png')!);
      expect([outline.width, outline.height]).toEqual([32, 32]);
      // Teams wants the outline white on transparent: every pixel is one or the other, and some are white.
      const kinds = new Set<string>();
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const p = 1 + y * (32 * 4 + 1) + x * 4;
          const [r, g, b, a] = outline.pixels.subarray(p, p + 4);
          kinds.add(
            a === 0 ? 'transparent' : r === 255 && g === 255 && b === 255 && a === 255 ? 'white' : 'other',
          );
        }
      }
      expect([...kinds].sort()).toEqual(['transparent', 'white']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('refuses an app id that is not a GUID, and a missing https PUBLIC_URL, naming what to fix', () => {
    const run = (env: Record<string, string>) => {
      try {
        execFileSync(process.execPath, ['bot/cli/teams-package.ts', '--out', tmpdir()], {
          cwd: root,
          env: { PATH: process.env.PATH ?? '', ...env },
          stdio: 'pipe',
        });
        return '';
      } catch (error) {
        return String((error as { stderr?: Buffer }).stderr);
      }
    };
    expect(run({ MICROSOFT_APP_ID: 'ex-gpt-bot', PUBLIC_URL: 'https://exgpt.example.com' })).toContain(
      "MICROSOFT_APP_ID must be the Azure Bot's Microsoft App ID, a GUID",
    );
    expect(run({ MICROSOFT_APP_ID: APP_ID })).toContain('Set PUBLIC_URL to ex-GPT’s public https address');
    expect(run({ MICROSOFT_APP_ID: APP_ID, PUBLIC_URL: 'http://10.0.0.5:3000' })).toContain('Set PUBLIC_URL');
  });

  it('refuses to build without an app id', () => {
    const env = { ...process.env, MICROSOFT_APP_ID: '' };
    expect(() =>
      execFileSync(process.execPath, ['bot/cli/teams-package.ts', '--out', tmpdir()], {
        cwd: root,
        env,
        stdio: 'pipe',
      }),
    ).toThrow(/MICROSOFT_APP_ID/);
  });
});
