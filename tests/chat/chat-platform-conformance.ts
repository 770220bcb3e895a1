/**
 * One conformance suite for the ChatPlatform port, run against every adapter (Slack now, Teams next).
 * Each adapter's test supplies a harness: the platform wired to its fake service, and `delivered()`,
 * which reads back from that fake what people would see. The suite asserts only what a person notices.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatAnswer, ChatLocation, ChatPlace, ChatPlatform, ChatUserRef, Source } from '#core';

/** One message as people see it, whatever the platform's wire format. */
export interface DeliveredMessage {
  /** The platform's id of the message (what `finish` / `postAnswer` returned). */
  readonly id: string | null;
  /** Everything readable in it: the answer or notice text (streamed parts joined), without the sources list. */
  readonly text: string;
  /** Who sees it: everyone in the conversation, or the asker alone. */
  readonly audience: 'everyone' | 'asker';
  /** The titles of its numbered sources, in order. */
  readonly sourceTitles: readonly string[];
  /** Whether it carries 👍/👎 controls. */
  readonly feedback: boolean;
}

export interface ChatPlatformHarness {
  readonly platform: ChatPlatform;
  /** A person the platform knows, whose email is `askerEmail`. */
  readonly asker: ChatUserRef;
  readonly askerEmail: string;
  /** An account the platform reports as a bot, if it has such a thing to look up. */
  readonly bot?: ChatUserRef;
  /** A valid location of that kind, or null when the platform has no such place. */
  location(place: ChatPlace): ChatLocation | null;
  /** What the bot has shown since the last reset, in order. */
  delivered(): Promise<DeliveredMessage[]>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

const source = (n: number, title: string): Source => ({
  n,
  chunkId: String(n),
  documentId: `00000000-0000-4000-8000-00000000000${n}`,
  documentVersion: 1,
  title,
  section: 'Leave › Vacation',
  page: null,
  url: `https://intranet.example.com/documents/${n}`,
  snippet: 'Every employee gets 25 vacation days a year.',
  text: 'Every employee gets 25 vacation days a year.',
});

export const CONFORMANCE_ANSWER: ChatAnswer = {
  messageId: '00000000-0000-4000-8000-0000000000aa',
  text: 'Every employee gets 25 vacation days a year [1], and unused days carry over until March [2].',
  answered: true,
  sources: [source(1, 'Vacation policy'), source(2, 'Carry-over rules')],
  shareable: false,
};

export function describeChatPlatformConformance(
  name: string,
  setup: () => Promise<ChatPlatformHarness>,
): void {
  describe(`ChatPlatform conformance: ${name}`, () => {
    let h: ChatPlatformHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => h?.close());
    beforeEach(async () => h.reset());

    const places = (): ChatLocation[] =>
      (['channel', 'direct'] as const).map((p) => h.location(p)).filter((l): l is ChatLocation => l !== null);

    it('looks a person up with their email, and tells a bot from a person', async () => {
      const profile = await h.platform.lookupUser(h.asker);
      expect(profile.ref).toEqual(h.asker);
      expect(profile.email).toBe(h.askerEmail);
      expect(profile.isBot).toBe(false);
      if (h.bot) expect((await h.platform.lookupUser(h.bot)).isBot).toBe(true);
    });

    it('delivers a streamed answer once, whole, with its numbered sources and feedback controls', async () => {
      for (const location of places()) {
        await h.reset();
        await h.platform.showStatus(location, 'searching').catch(() => undefined);
        const reply = h.platform.startReply(location, h.asker);
        const words = CONFORMANCE_ANSWER.text.split(/(?<= )/);
        for (const word of words) await reply.append(word);
        const id = await reply.finish(CONFORMANCE_ANSWER);
        const delivered = await h.delivered();
        const answers = delivered.filter((m) => m.text.includes('25 vacation days'));
        expect(answers, `${location.place}: one message with the answer`).toHaveLength(1);
        const [answer] = answers;
        expect(answer!.text).toContain('unused days carry over until March [2].');
        expect(answer!.sourceTitles).toEqual(['Vacation policy', 'Carry-over rules']);
        expect(answer!.feedback).toBe(true);
        expect(answer!.id).toBe(id);
        if (location.place === 'channel') expect(answer!.audience).toBe('everyone');
      }
    });

    it('shows a private answer to the asker alone', async () => {
      const location = h.location('private');
      if (!location) return;
      const reply = h.platform.startReply(location, h.asker);
      await reply.append(CONFORMANCE_ANSWER.text);
      await reply.finish({ ...CONFORMANCE_ANSWER, shareable: true });
      const delivered = await h.delivered();
      expect(delivered.length).toBeGreaterThan(0);
      for (const message of delivered) expect(message.audience).toBe('asker');
      expect(delivered.some((m) => m.sourceTitles.includes('Vacation policy'))).toBe(true);
    });

    it('ends a reply that fails after some text with that text and then the failure sentence', async () => {
      const [location] = places();
      const reply = h.platform.startReply(location!, h.asker);
      await reply.append('Every employee gets ');
      await reply.fail('Sorry, something went wrong on my side.');
      const text = (await h.delivered()).map((m) => m.text).join('\n');
      expect(text).toContain('Every employee gets');
      expect(text).toContain('Sorry, something went wrong on my side.');
      expect(text.indexOf('Every employee gets')).toBeLessThan(text.indexOf('Sorry'));
    });

    it('shows the failure sentence when a reply fails before any text', async () => {
      for (const location of [...places(), h.location('private')].filter(
        (l): l is ChatLocation => l !== null,
      )) {
        await h.reset();
        const reply = h.platform.startReply(location, h.asker);
        await reply.fail('The service that writes my answers isn’t reachable right now.');
        const delivered = await h.delivered();
        expect(delivered.map((m) => m.text).join('\n'), location.place).toContain(
          'isn’t reachable right now',
        );
        expect(delivered.every((m) => !m.feedback)).toBe(true);
      }
    });

    it('delivers a notice to the asker', async () => {
      for (const location of places()) {
        await h.reset();
        await h.platform.postNotice(location, h.asker, 'Please wait 12 seconds and ask again.');
        const delivered = await h.delivered();
        expect(delivered.map((m) => m.text).join('\n'), location.place).toContain('Please wait 12 seconds');
      }
    });

    it('posts a stored answer whole, with sources and feedback (sharing)', async () => {
      const location = h.location('channel');
      if (!location) return;
      const id = await h.platform.postAnswer({ ...location, threadId: null }, CONFORMANCE_ANSWER);
      const delivered = await h.delivered();
      const answer = delivered.find((m) => m.text.includes('25 vacation days'));
      expect(answer?.audience).toBe('everyone');
      expect(answer?.sourceTitles).toEqual(['Vacation policy', 'Carry-over rules']);
      expect(answer?.feedback).toBe(true);
      expect(answer?.id).toBe(id);
    });
  });
}
