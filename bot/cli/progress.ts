/** A small progress bar on stderr: redrawn in place on a terminal, a line every few seconds otherwise. */
export interface ProgressBar {
  update(done: number, detail?: string): void;
  finish(summary: string): void;
}

export function createProgressBar(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressBar {
  const started = Date.now();
  const tty = stream.isTTY === true;
  let lastLine = 0;
  let current = 0;

  function render(detail: string): string {
    const width = 28;
    const ratio = total > 0 ? Math.min(1, current / total) : 1;
    const filled = Math.round(ratio * width);
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? current / seconds : 0;
    const eta = rate > 0 && current < total ? ` · ~${Math.ceil((total - current) / rate)}s left` : '';
    return `${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${current}/${total} ${Math.round(ratio * 100)}%${eta}${detail ? ` · ${detail}` : ''}`;
  }

  return {
    update(done, detail = '') {
      current = done;
      if (tty) {
        stream.write(`\r\x1b[2K${render(detail).slice(0, (stream.columns ?? 120) - 1)}`);
      } else if (Date.now() - lastLine > 2000 || done === total) {
        lastLine = Date.now();
        stream.write(`${render(detail)}\n`);
      }
    },
    finish(summary) {
      if (tty) stream.write(`\r\x1b[2K${render('')}\n`);
      stream.write(`${summary}\n`);
    },
  };
}
