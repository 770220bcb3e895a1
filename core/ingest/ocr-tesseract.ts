import { spawn, spawnSync } from 'node:child_process';
import type { PageImage, PageRecognizer } from './ocr.ts';
import { toPnm } from './ocr.ts';

/**
 * The Tesseract adapter: one `tesseract stdin stdout -l kor+eng` per image, the image piped in as PNM.
 * Each run is killed at `timeoutMs` and when the caller's signal aborts, so a page never outlives the parse
 * thread's time limit (the pool terminates the thread; a child process would otherwise carry on).
 */

export interface TesseractOptions {
  /** Tesseract's language list, e.g. "kor+eng" (OCR_LANGUAGES). */
  readonly languages: string;
  /** The program; default `tesseract` on the PATH. */
  readonly command?: string;
  readonly timeoutMs?: number;
}

/** Whether `tesseract` runs and has every language asked for; null when it does, else why not. */
export function checkTesseract(options: TesseractOptions): string | null {
  const result = spawnSync(options.command ?? 'tesseract', ['--list-langs'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (result.error !== undefined || result.status !== 0) return 'tesseract is not installed';
  const installed = new Set(result.stdout.split('\n').map((line) => line.trim()));
  const missing = options.languages.split('+').filter((language) => !installed.has(language));
  return missing.length > 0 ? `tesseract has no data for ${missing.join(', ')}` : null;
}

export function createTesseractRecognizer(options: TesseractOptions): PageRecognizer {
  return {
    recognize(image: PageImage, call = {}) {
      return new Promise((resolve, reject) => {
        const child = spawn(
          options.command ?? 'tesseract',
          ['stdin', 'stdout', '-l', options.languages, '--psm', '3'],
          {
            stdio: ['pipe', 'pipe', 'pipe'],
            timeout: options.timeoutMs ?? 120_000,
            signal: call.signal,
            // One page at a time per parse thread; Tesseract's own threads would fight the other threads for cores.
            env: { ...process.env, OMP_THREAD_LIMIT: '1' },
          },
        );
        const output: Buffer[] = [];
        let errors = '';
        child.stdout.on('data', (data: Buffer) => output.push(data));
        child.stderr.on('data', (data: Buffer) => {
          errors = (errors + data.toString()).slice(-2000);
        });
        child.on('error', reject);
        child.stdin.on('error', () => {}); // a child that exits early closes its input; the exit reports why
        child.on('close', (code, signal) => {
          if (code === 0) resolve(Buffer.concat(output).toString('utf8'));
          else
            reject(
              new Error(
                `tesseract ${signal !== null ? `was stopped (${signal})` : `exited with ${code}`}: ${errors.trim()}`,
              ),
            );
        });
        child.stdin.end(toPnm(image));
      });
    },
  };
}

const checked = new Map<string, string | null>();

/**
 * The recognizer for OCR_LANGUAGES where Tesseract and those languages are installed, else null (and a
 * scanned PDF then fails saying how to enable OCR). The check runs once per thread and languages.
 */
export function tesseractFor(languages: string | null, timeoutMs: number): PageRecognizer | null {
  if (languages === null || languages === '') return null;
  if (!checked.has(languages)) checked.set(languages, checkTesseract({ languages }));
  return checked.get(languages) === null ? createTesseractRecognizer({ languages, timeoutMs }) : null;
}
