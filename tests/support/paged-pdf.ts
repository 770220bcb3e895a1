/**
 * Multi-page PDFs with a real text layer, as an office suite prints them: Chromium lays out one HTML page
 * per PDF page in NanumGothic (Debian's fonts-nanum), so Korean text is embedded with its ToUnicode map.
 */
import { launchChromium } from '../e2e/browser.ts';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/**
 * Each entry is one page; each string on it one paragraph. `title` becomes the PDF's own title (Chromium
 * writes the page's <title>); without one Chromium writes "about:blank", as printing an untitled page does.
 */
export async function buildPagedPdf(
  pages: readonly (readonly string[])[],
  options: { title?: string } = {},
): Promise<Uint8Array> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const body = pages
      .map((paragraphs) => `<section>${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}</section>`)
      .join('');
    await page.setContent(
      `<!doctype html><html lang="ko"><head><meta charset="utf-8">${options.title ? `<title>${escapeHtml(options.title)}</title>` : ''}<style>
        body { font-family: 'NanumGothic', sans-serif; font-size: 11pt; }
        section { break-after: page; }
        section:last-child { break-after: auto; }
      </style></head><body>${body}</body></html>`,
    );
    return new Uint8Array(await page.pdf({ format: 'A4' }));
  } finally {
    await browser.close();
  }
}
