/**
 * A Korean employee in Teams: the recorded activities with Korean text and Teams' `locale` ("ko-KR") go
 * through the real botbuilder adapter, and every sentence ex-GPT writes around the answer reaches the
 * connector in Korean; the same flow in English stays English.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '#core';
import { buildCollection, ingestText } from '../support/engine.ts';
import {
  type ActivityJson,
  fixtureActivity,
  messageEntity,
  personalMessage,
  startTeamsRig,
  streamInfo,
  type TeamsRig,
} from '../support/teams.ts';

const KOREAN_ANSWER = '모든 직원은 연 25일의 연차를 받습니다 [1].';
const CHANNEL = '19:6848757105754c8981c67612732d9aa7@thread.tacv2';

let rig: TeamsRig;

beforeAll(async () => {
  rig = await startTeamsRig();
  const handbook = await buildCollection(rig.t, { name: '취업규칙', everyone: true });
  await ingestText(rig.t, {
    collectionId: handbook.id,
    filename: '연차-규정.md',
    text: '# 연차\n\n모든 직원은 연 25일의 연차를 받습니다. 사용하지 않은 연차는 다음 해 3월까지 이월됩니다.\n',
  });
});
afterAll(async () => rig?.close());
beforeEach(async () => {
  await rig.reset();
  rig.model.script('*', { reply: KOREAN_ANSWER, delayMs: 15 });
});
afterEach(() => {
  expect(rig.connector.unexpected).toEqual([]);
  expect(rig.connector.violations).toEqual([]);
});

const korean = (text: string, id?: string): ActivityJson => ({
  ...personalMessage(text, id),
  locale: 'ko-KR',
});
const texts = () => rig.connector.sent.map((s) => String(s.activity.text ?? ''));

describe('a Korean personal chat', () => {
  it('is welcomed in Korean when Teams says the person uses Korean', async () => {
    await rig.send({ ...fixtureActivity('conversationUpdate_bot_added_personal.json'), locale: 'ko-KR' });
    await rig.drain();
    const [welcome] = rig.connector.messages();
    expect(String(welcome?.activity.text)).toMatch(/^안녕하세요, \*\*ex-GPT\*\*입니다\./);
    expect(String(welcome?.activity.text)).not.toMatch(/Hi, I’m|Ask me/);
  });

  it('streams with a Korean informative update and ends with the Korean answer and its citation', async () => {
    await rig.send(korean('연차는 며칠인가요?'));
    await rig.drain();
    const [informative] = rig.connector.sent;
    expect(informative?.activity.type).toBe('typing');
    expect(streamInfo(informative!.activity)).toMatchObject({ streamType: 'informative' });
    expect(informative?.activity.text).toBe('문서를 검색하는 중…');
    const final = rig.connector.sent.at(-1)!;
    expect(final.activity).toMatchObject({ type: 'message', text: KOREAN_ANSWER });
    const [citation] = messageEntity(final.activity)!.citation as ActivityJson[];
    expect(citation).toMatchObject({ appearance: { name: '연차-규정' } });
    expect(JSON.stringify(texts())).not.toMatch(/Searching|Sources/);
  });

  it('asks for a question in Korean when the message is empty', async () => {
    await rig.send(korean('   '));
    await rig.drain();
    expect(texts()).toEqual(['무엇이 궁금하신가요? 질문을 입력해 주세요. 예: “연차는 며칠인가요?”']);
  });

  it('asks a Korean asker who asks too fast to wait, in Korean', async () => {
    const app = await rig.buildOther({ config: { CHAT_RATE_LIMIT_PER_MINUTE: 1 } });
    await rig.send(korean('연차는 며칠인가요?'), { app });
    await rig.send(korean('병가는 며칠인가요?'), { app });
    await rig.drain();
    const notices = rig.connector.messages().map((m) => String(m.activity.text));
    expect(notices.filter((t) => /^질문이 너무 빠르게 이어지고 있습니다\. \d+초 후에/.test(t))).toHaveLength(
      1,
    );
  });

  it('says in Korean that the answer service is unreachable, without internals', async () => {
    const failing = await rig.buildOther({
      ask: {
        // biome-ignore lint/correctness/useYield: fails before its first event
        async *stream() {
          throw new AppError('upstream_unavailable', 'connection refused by 10.0.0.7');
        },
        run: () => Promise.reject(new Error('unused')),
      },
    });
    await rig.send(korean('연차는 며칠인가요?'), { app: failing });
    await rig.drain();
    const final = rig.connector.sent.at(-1)!;
    expect(final.activity.text).toBe(
      '답변을 작성하는 서비스에 지금 연결할 수 없습니다. 몇 분 후 다시 시도해 주세요.',
    );
    expect(JSON.stringify(rig.connector.sent)).not.toContain('10.0.0.7');
  });

  it('thanks in Korean for an Adaptive Card action from a Korean client', async () => {
    const response = await rig.send({
      ...fixtureActivity('invoke_adaptiveCard_action.json'),
      locale: 'ko-KR',
    });
    expect(response.json()).toMatchObject({ statusCode: 200, value: '감사합니다!' });
  });

  it('gives the unbound-channel hint in Korean to a Korean mention', async () => {
    const mention = fixtureActivity('message_channel_thread_mention.json');
    mention.text = `${String(mention.text).replace(/reply to thread.*$/s, '')}연차는 며칠인가요?`;
    mention.locale = 'ko-KR';
    await rig.send(mention);
    await rig.drain();
    const [hint] = rig.connector.messages();
    expect(hint?.conversationId.startsWith(CHANNEL)).toBe(true);
    expect(String(hint?.activity.text)).toMatch(/^관리자가 문서 컬렉션을 연결한 채널에서만 답변합니다\./);
  });
});

describe('English stays English', () => {
  it('welcomes and answers in English for an en-US client', async () => {
    rig.model.script('*', { reply: 'Every employee gets 25 vacation days a year [1].' });
    await rig.send({ ...fixtureActivity('conversationUpdate_bot_added_personal.json'), locale: 'en-US' });
    await rig.send(personalMessage('How many vacation days do I get?'));
    await rig.drain();
    const all = texts();
    expect(all[0]).toMatch(/^Hi, I’m \*\*ex-GPT\*\*/);
    expect(all).toContain('Searching the documents…');
    expect(all.join('\n')).not.toMatch(/\p{Script=Hangul}/u);
  });

  it('answers an English question in English even from a Korean client', async () => {
    await rig.send(korean('   ', 'empty-1'));
    await rig.send(korean('How many vacation days do I get?', 'english-1'));
    await rig.drain();
    expect(texts()).toContain('Searching the documents…');
  });
});
