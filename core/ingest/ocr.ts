/**
 * Text recognition for PDF pages that are pictures (scans) with no text layer. The port is here; the
 * Tesseract adapter (ocr-tesseract.ts) runs the `tesseract` program, which the parse thread starts per page.
 */

/** Raw pixels of one image on a page, as pdf.js decodes them: 1 (grey), 3 (RGB) or 4 (RGBA) channels. */
export interface PageImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  readonly data: Uint8Array | Uint8ClampedArray;
}

export interface PageRecognizer {
  /** The text in the image, lines separated by "\n" and paragraphs by a blank line. */
  recognize(image: PageImage, options?: { readonly signal?: AbortSignal }): Promise<string>;
}

/** What the uploader is told when a PDF is all scans and this server cannot read them. */
export const OCR_UNAVAILABLE =
  'This PDF holds scanned pages with no text, and text recognition (OCR) is not enabled on this server. Ask your administrator to install Tesseract with its Korean and English data (Debian/Ubuntu: apt-get install tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng; the Docker image has it), then upload the file again.';

/**
 * Grey or colour pixels as a binary PNM (P5 grey, P6 colour), which Tesseract's image library reads from
 * standard input without any encoder on our side. Alpha is dropped onto white, as a page would be printed.
 */
export function toPnm(image: PageImage): Uint8Array {
  const grey = image.channels === 1;
  const header = new TextEncoder().encode(`${grey ? 'P5' : 'P6'}\n${image.width} ${image.height}\n255\n`);
  const pixels = image.width * image.height;
  const out = new Uint8Array(header.byteLength + pixels * (grey ? 1 : 3));
  out.set(header, 0);
  if (grey) {
    out.set(image.data.subarray(0, pixels), header.byteLength);
    return out;
  }
  let at = header.byteLength;
  for (let i = 0; i < pixels; i++) {
    const base = i * image.channels;
    const alpha = image.channels === 4 ? (image.data[base + 3] ?? 255) / 255 : 1;
    for (let c = 0; c < 3; c++)
      out[at++] = Math.round((image.data[base + c] ?? 255) * alpha + 255 * (1 - alpha));
  }
  return out;
}
