/**
 * A Korean employee in Slack: the recorded fixtures with Korean text (and a Slack account set to ko-KR)
 * go through the real Bolt app, and every sentence ex-GPT adds around the answer reaches Slack in Korean.
 * The same flow in English stays English.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeSettings } from '#db';
import { buildCollection, ingestText } from '../support/engine.ts';
import {
  blocksText,
  buttonValue,
  fixture,
  interactionBody,
  type SlackRig,
  startSlackRig,
  streamedText,
  variant,
  waitForStreams,
} from '../support/slack.ts';

const THREAD = '1726133698.626339'; // the assistant thread of the DM fixtures
const KOREAN_ANSWER = '모든 직원은 연 25일의 연차를 받습니다 [1].';

let rig: SlackRig;
let handbook: { id: string };
let hr: { id: string };

beforeAll(async () => {
  rig = await startSlackRig();
  handbook = await buildCollection(rig.t, { name: '취업규칙', everyone: true });
  hr = await buildCollection(rig.t, { name: '인사', readers: ['hr'] });
  await ingestText(rig.t, {
    collectionId: handbook.id,
    filename: '연차-규정.md',
    text: '# 연차\n\n모든 직원은 연 25일의 연차를 받습니다. 사용하지 않은 연차는 다음 해 3월까지 이월됩니다.\n',
  });
  await ingestText(rig.t, {
    collectionId: handbook.id,
    filename: 'vacation-policy.md',
    text: '# Vacation\n\nEvery employee gets 25 vacation days a year. Unused days carry over until March.\n',
  });
});
afterAll(async () => rig?.close());
beforeEach(async () => {
  await rig.reset();
  rig.model.script('*', { reply: KOREAN_ANSWER });
});
afterEach(() => {
  expect(rig.slack.unexpected).toEqual([]);
  expect(rig.slack.violations).toEqual([]);
});

const calls = (method: string) => rig.slack.callsTo(method);
const ephemeralTexts = () => calls('chat.postEphemeral').map((c) => String(c.args.text));

/** The DM fixture in the assistant thread, from `user`, saying `text`. */
function dm(text: string, options: { user?: string; id?: string; ts?: string } = {}): string {
  return variant('event_message_im_thread.json', (b) => {
    Object.assign(b.event as Record<string, unknown>, {
      user: options.user ?? 'W444',
      text,
      ts: options.ts ?? '1726133700.887259',
      event_ts: options.ts ?? '1726133700.887259',
    });
    b.event_id = options.id ?? 'EvKo1';
  });
}

function click(actionId: string, value: string, user = 'W444'): string {
  return interactionBody((p) => {
    (p.user as Record<string, unknown>).id = user;
    p.actions = [
      { action_id: actionId, block_id: 'exgpt_answer_actions', value, type: 'button', action_ts: '1.2' },
    ];
  });
}

/** Hangul, and nothing of the English catalogue's words. */
function expectKorean(text: string): void {
  expect(text).toMatch(/\p{Script=Hangul}/u);
  expect(text).not.toMatch(/Sources|Helpful|searching|Thanks|Share in channel|Please/);
}

describe('a Korean DM with the assistant', () => {
  it('suggests Korean prompts, shows Korean statuses, and ends the answer with Korean sources and buttons', async () => {
    const started = variant('event_assistant_thread_started.json', (b) => {
      const thread = (b.event as { assistant_thread: Record<string, unknown> }).assistant_thread;
      thread.user_id = 'W444';
    });
    await rig.send(started);
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'assistant.threads.setSuggestedPrompts'));
    const [prompts] = calls('assistant.threads.setSuggestedPrompts');
    expect(prompts?.args.title).toBe('회사 문서에 대해 물어보세요');
    expect(prompts?.args.prompts).toEqual([
      { title: '연차', message: '연차는 며칠인가요?' },
      { title: '경비', message: '경비 보고서는 어떻게 제출하나요?' },
      { title: 'IT 지원', message: 'IT 지원은 누구에게 문의하나요?' },
    ]);
    // Slack was asked for the user's locale, as Slack wants it asked.
    expect(calls('users.info').at(-1)?.args).toMatchObject({ user: 'W444', include_locale: 'true' }); // form-encoded, as @slack/web-api sends it;

    await rig.send(dm('연차는 며칠인가요?'));
    await waitForStreams(rig.slack, 1);
    await rig.drain();
    const statuses = calls('assistant.threads.setStatus').map((c) => String(c.args.status));
    expect(statuses[0]).toBe('문서를 검색하는 중…');
    expect(statuses).toContain('답변을 작성하는 중…');
    const start = calls('chat.startStream')[0]!;
    expect(start.args).toMatchObject({ channel: 'D111', thread_ts: THREAD });
    expect(streamedText(rig.slack.calls, String(start.response?.ts))).toBe(KOREAN_ANSWER);
    const ending = blocksText(calls('chat.stopStream')[0]);
    expect(ending).toContain('*출처*');
    expect(ending).toContain('연차-규정');
    expect(ending).toContain('👍 도움이 됨');
    expect(ending).toContain('👎 도움이 안 됨');
    expectKorean(ending);

    // 👍 thanks in Korean; 👎 opens the Korean comment modal.
    const messageId = buttonValue(calls('chat.stopStream')[0], 'exgpt_feedback_up')!;
    await rig.send(click('exgpt_feedback_up', messageId));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.send(click('exgpt_feedback_down', messageId));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'views.open'));
    await rig.drain();
    expect(ephemeralTexts()).toEqual(['의견을 보내 주셔서 감사합니다!']);
    const view = calls('views.open')[0]?.args.view as {
      title: { text: string };
      submit: { text: string };
      close: { text: string };
      blocks: { label: { text: string } }[];
    };
    expect([view.title.text, view.submit.text, view.close.text, view.blocks[0]?.label.text]).toEqual([
      '도움이 안 됨',
      '보내기',
      '건너뛰기',
      '무엇이 틀렸거나 빠졌나요? (선택)',
    ]);
  });

  it('shows the prompts an admin set for Korean, and the catalogue’s English ones to an English user', async () => {
    await writeSettings(rig.t.database.db, {
      suggestedPrompts: { ko: [{ title: '복지', message: '복지 포인트는 어디에 쓸 수 있나요?' }] },
    });
    const started = (user: string) =>
      variant('event_assistant_thread_started.json', (b) => {
        (b.event as { assistant_thread: Record<string, unknown> }).assistant_thread.user_id = user;
        b.event_id = `EvStart${user}`;
      });
    await rig.send(started('W444'));
    await rig.send(started('W222'));
    await rig.slack.waitFor(
      (c) => c.filter((call) => call.method === 'assistant.threads.setSuggestedPrompts').length === 2,
    );
    const shown = calls('assistant.threads.setSuggestedPrompts').map((c) => c.args.prompts);
    expect(shown).toContainEqual([{ title: '복지', message: '복지 포인트는 어디에 쓸 수 있나요?' }]);
    expect(shown).toContainEqual(
      expect.arrayContaining([{ title: 'Vacation', message: 'How many vacation days do I get?' }]),
    );
    await writeSettings(rig.t.database.db, { suggestedPrompts: {} });
  });

  it('answers an empty message with the Korean hint, told by the Slack locale', async () => {
    await rig.send(dm('   '));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postMessage'));
    await rig.drain();
    const [hint] = calls('chat.postMessage');
    expect(String(hint?.args.text)).toBe(
      '무엇이 궁금하신가요? 질문을 입력해 주세요. 예: “연차는 며칠인가요?”',
    );
    expect(rig.model.chatRequests()).toEqual([]);
  });

  it('tells a Korean asker in Korean when the model cannot be reached', async () => {
    rig.model.script('*', { fail: { status: 503 } });
    await rig.send(dm('연차 이월 규정을 알려 주세요'));
    await rig.slack.waitFor((c) =>
      c.some((call) => call.method === 'chat.stopStream' || call.method === 'chat.postMessage'),
    );
    await rig.drain();
    const shown = JSON.stringify(
      [...calls('chat.stopStream'), ...calls('chat.postMessage')].map((c) => c.args),
    );
    expect(shown).toMatch(
      /답변을 작성하는 서비스에 지금 연결할 수 없습니다|답변하는 중에 문제가 발생했습니다/,
    );
    expect(shown).not.toMatch(/503|Error|error/);
  });

  it('asks a Korean asker who asks too fast to wait, in Korean', async () => {
    const limited = await rig.buildOther({ config: { CHAT_RATE_LIMIT_PER_MINUTE: 1 } });
    await rig.send(dm('연차는 며칠인가요?', { id: 'EvR1', ts: '1726133700.000001' }), { app: limited });
    await waitForStreams(rig.slack, 1);
    await rig.send(dm('병가는 며칠인가요?', { id: 'EvR2', ts: '1726133700.000002' }), { app: limited });
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postMessage'));
    await rig.drain();
    expect(String(calls('chat.postMessage')[0]?.args.text)).toMatch(
      /^질문이 너무 빠르게 이어지고 있습니다\. \d+초 후에 다시 질문해 주세요\.$/,
    );
  });
});

describe('Korean in channels and /ask', () => {
  it('gives the unbound-channel hint in Korean to a Korean mention', async () => {
    await rig.send(
      variant('event_app_mention.json', (b) => {
        Object.assign(b.event as Record<string, unknown>, { text: '<@W111> 연차는 며칠인가요?' });
      }),
    );
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    const [hint] = ephemeralTexts();
    expect(hint).toMatch(/^관리자가 문서 컬렉션을 연결한 채널에서만 답변합니다\./);
    expectKorean(hint!);
  });

  it('answers /ask privately with Korean buttons, and refuses to share in Korean', async () => {
    const command = fixture('slash_command.form.txt').replace(
      '&text=Hi&',
      `&text=${encodeURIComponent('연차는 며칠인가요?')}&`,
    );
    await rig.send(command);
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    const [reply] = calls('chat.postEphemeral');
    const shown = blocksText(reply);
    expect(shown).toContain('채널에 공유');
    expect(shown).toContain('*출처*');
    expectKorean(shown);
    const messageId = buttonValue(reply, 'exgpt_share')!;

    // C111 is bound to a collection the answer's source is not in: sharing is refused, in Korean.
    await rig.bind('C111', [hr.id]);
    rig.slack.reset();
    await rig.send(click('exgpt_share', messageId, 'W111'));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postEphemeral'));
    await rig.drain();
    expect(ephemeralTexts()[0]).toMatch(/^이 답변은 여기에 게시할 수 없습니다\./);
    expect(calls('chat.postMessage')).toEqual([]);
  });

  it('asks for a question in Korean when a Korean user sends /ask alone', async () => {
    const command = fixture('slash_command.form.txt')
      .replace('&text=Hi&', '&text=&')
      .replace('user_id=W111', 'user_id=W444');
    const response = await rig.send(command);
    expect(response.json()).toMatchObject({
      response_type: 'ephemeral',
      text: '질문을 입력해 주세요. 예: `/hello-world 연차는 며칠인가요?`',
    });
  });
});

describe('English stays English', () => {
  it('answers an English DM with English statuses, sources and buttons, even from a Korean Slack', async () => {
    rig.model.script('*', { reply: 'Every employee gets 25 vacation days a year [1].' });
    // W444's Slack is Korean, but the question is English: the question's language wins.
    await rig.send(dm('How many vacation days do I get?'));
    await waitForStreams(rig.slack, 1);
    await rig.drain();
    expect(String(calls('assistant.threads.setStatus')[0]?.args.status)).toBe('is searching the documents…');
    const ending = blocksText(calls('chat.stopStream')[0]);
    expect(ending).toContain('*Sources*');
    expect(ending).toContain('👍 Helpful');
    expect(ending).not.toMatch(/\p{Script=Hangul}/u);
    // The language was told by the question: Slack was not asked for a locale.
    expect(calls('users.info').filter((c) => c.args.include_locale)).toEqual([]);
  });

  it('gives an English empty-message hint to a user whose Slack is not Korean', async () => {
    await rig.send(dm('   ', { user: 'W222' }));
    await rig.slack.waitFor((c) => c.some((call) => call.method === 'chat.postMessage'));
    await rig.drain();
    expect(String(calls('chat.postMessage')[0]?.args.text)).toMatch(/^What would you like to know\?/);
  });
});
