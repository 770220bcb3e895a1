import { describe, expect, it } from 'vitest';
import { htmlToDocument } from '../../../core/ingest/html-blocks.ts';
import { storageToHtml } from './storage-format.ts';

// Storage-format elements as Atlassian documents them: https://confluence.atlassian.com/doc/confluence-storage-format-790796544.html
const STORAGE = `<h1>신청 방법</h1><p>연차는&nbsp;<strong>3일 전</strong>까지 신청한다 &amp; 승인받는다.</p>
<ac:structured-macro ac:name="warning" ac:schema-version="1"><ac:parameter ac:name="title">주의 &amp; 참고</ac:parameter><ac:rich-text-body><p>반차는 오전/오후로 나눈다.</p></ac:rich-text-body></ac:structured-macro>
<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">bash</ac:parameter><ac:plain-text-body><![CDATA[curl "https://hr.example/leave?days=3&type=<annual>"
echo done]]></ac:plain-text-body></ac:structured-macro>
<p>See <ac:link><ri:page ri:content-title="Expense policy" /></ac:link> and <ac:link><ri:page ri:content-title="Travel" /><ac:plain-text-link-body><![CDATA[the travel page]]></ac:plain-text-link-body></ac:link>.</p>
<ac:structured-macro ac:name="toc" /><p>상태: <ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Green</ac:parameter><ac:parameter ac:name="title">승인됨</ac:parameter></ac:structured-macro></p>
<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>incomplete</ac:task-status><ac:task-body>팀장 승인 받기</ac:task-body></ac:task></ac:task-list>
<ac:image><ri:attachment ri:filename="chart.png" /></ac:image><h2>Rates</h2><table><tbody><tr><th>직급</th><th>일비</th></tr><tr><td>부장</td><td>7만원</td></tr></tbody></table>`;

describe('Confluence storage format → HTML', () => {
  it('keeps headings under the page path, macro text, link words and tables; drops images and parameters', () => {
    const parsed = htmlToDocument(
      storageToHtml(STORAGE, { title: '연차 규정', ancestors: ['인사 핸드북', 'HR'] }),
    );
    expect(parsed.title).toBe('연차 규정');
    expect(parsed.blocks).toEqual([
      { kind: 'heading', level: 1, text: '인사 핸드북 › HR' },
      { kind: 'heading', level: 2, text: '연차 규정' },
      { kind: 'heading', level: 3, text: '신청 방법' },
      { kind: 'paragraph', text: '연차는 3일 전까지 신청한다 & 승인받는다.' },
      { kind: 'paragraph', text: '주의 & 참고' },
      { kind: 'paragraph', text: '반차는 오전/오후로 나눈다.' },
      { kind: 'code', text: 'curl "https://hr.example/leave?days=3&type=<annual>"\necho done' },
      { kind: 'paragraph', text: 'See Expense policy and the travel page.' },
      { kind: 'paragraph', text: '상태: 승인됨' },
      { kind: 'list', ordered: false, items: ['팀장 승인 받기'] },
      { kind: 'heading', level: 4, text: 'Rates' },
      { kind: 'table', headers: ['직급', '일비'], rows: [['부장', '7만원']] },
    ]);
  });

  it('a page at the top of its space starts with its own title', () => {
    const parsed = htmlToDocument(storageToHtml('<p>Hello</p>', { title: 'Home <& co>', ancestors: [] }));
    expect(parsed.blocks[0]).toEqual({ kind: 'heading', level: 1, text: 'Home <& co>' });
  });
});
