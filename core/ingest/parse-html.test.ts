import { describe, expect, it } from 'vitest';
import { parseHtml } from './parse-html.ts';
import { utf8 } from './test-helpers.ts';

const PAGE = `<!DOCTYPE html>
<html><head>
  <title>Benefits &amp; Perks | ACME Intranet</title>
  <style>body { color: red }</style>
  <script>var secret = "do not index";</script>
</head><body>
  <nav><a href="/">Home</a> <a href="/hr">HR</a></nav>
  <noscript>Enable JavaScript</noscript>
  <template><p>template text</p></template>
  <iframe src="ads.html">iframe text</iframe>
  <main>
    <h1>Benefits</h1>
    <p>We offer a <strong>generous</strong> package &mdash; see below.<br>Questions? Ask&nbsp;HR.</p>
    <h2>Health</h2>
    <ul>
      <li>Dental cover</li>
      <li>Eye tests
        <ol><li>once a year</li><li>glasses up to &euro;200</li></ol>
      </li>
    </ul>
    <h2>Allowances</h2>
    <table>
      <caption>Monthly allowances</caption>
      <thead><tr><th>Item</th><th>Amount</th></tr></thead>
      <tbody>
        <tr><td>Phone</td><td>30 EUR</td></tr>
        <tr><td>Internet</td><td>25 EUR</td></tr>
      </tbody>
    </table>
    <pre>  indented
    code</pre>
  </main>
</body></html>`;

describe('parseHtml', () => {
  it('keeps headings, paragraphs, lists and tables, and drops scripts, styles and navigation', () => {
    const doc = parseHtml(utf8(PAGE));
    expect(doc.title).toBe('Benefits & Perks | ACME Intranet');
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Benefits' },
      { kind: 'paragraph', text: 'We offer a generous package — see below. Questions? Ask HR.' },
      { kind: 'heading', level: 2, text: 'Health' },
      {
        kind: 'list',
        ordered: false,
        items: ['Dental cover', 'Eye tests', 'once a year', 'glasses up to €200'],
      },
      { kind: 'heading', level: 2, text: 'Allowances' },
      { kind: 'paragraph', text: 'Monthly allowances' },
      {
        kind: 'table',
        headers: ['Item', 'Amount'],
        rows: [
          ['Phone', '30 EUR'],
          ['Internet', '25 EUR'],
        ],
      },
      { kind: 'code', text: '  indented\n    code' },
    ]);
    const all = JSON.stringify(doc);
    for (const hidden of ['secret', 'color', 'Home', 'Enable JavaScript', 'template text', 'iframe text']) {
      expect(all).not.toContain(hidden);
    }
  });

  it('takes the title from the first h1 when there is no <title>', () => {
    expect(parseHtml(utf8('<h2>Intro</h2><h1>Real title</h1><p>x</p>')).title).toBe('Real title');
  });

  it('survives a million nested elements and unbalanced close tags', () => {
    const depth = 1_000_000;
    const html = `${'<div><span>'.repeat(depth)}deep text${'</i>'.repeat(10_000)}${'</span></div>'.repeat(depth)}<p>after</p>`;
    const doc = parseHtml(utf8(html));
    expect(doc.blocks).toEqual([
      { kind: 'paragraph', text: 'deep text' },
      { kind: 'paragraph', text: 'after' },
    ]);
  });

  it('does not let an unclosed <script> or a stray </table> swallow or break the page', () => {
    const doc = parseHtml(
      utf8('<p>before</p></table></li><h3>Title<p>inside</h3><p>after</p><script>never closed'),
    );
    expect(doc.blocks).toEqual([
      { kind: 'paragraph', text: 'before' },
      { kind: 'heading', level: 3, text: 'Title inside' },
      { kind: 'paragraph', text: 'after' },
    ]);
  });
});
