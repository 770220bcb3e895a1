/**
 * The title a document gets from its file's name when the uploader gives none ("leave_policy-2024.pdf" →
 * "leave policy 2024"). Ingestion recognises such a title (see isFilenameTitle) and replaces it with the
 * document's own title once the file is read; a title someone typed is never replaced.
 */
export function titleFromFilename(filename: string): string {
  const base = filename
    .replace(/\.[^.]+$/, '')
    .replace(/[_-]+/g, ' ')
    .trim();
  return base.length > 0 ? base : filename;
}

/**
 * Whether `title` is what titleFromFilename makes of the file's name: the REST upload and the CLI give a
 * document that title when no one typed one. (Someone who typed exactly that loses nothing when the
 * document's own title replaces it.) A title a program chose, even the bare file name, is kept.
 */
export function isFilenameTitle(title: string, filename: string): boolean {
  return title === titleFromFilename(filename);
}
