/**
 * What kind of thing a question asks for, and where a passage holds one: "when / what year / 언제 / 몇 년"
 * wants a date or year, "how many / much / 몇 / 얼마" a number or amount, "who / 누구" a name, "where / 어디" a
 * place. A passage that holds the question's words but no mention of that kind does not answer it ("When did
 * the identity emerge?" of a sentence with no date), and of two passages the one with such a mention beside the
 * question's words is the likelier answer.
 *
 * Hand-written detectors, not a tagger: the offline English model that ships in npm (wink-eng-lite-web-model)
 * only recognises dates, numbers and amounts, which these patterns cover, and tags names by part of speech, which
 * capitalisation gives in edited text; Korean has no such model in npm at all.
 */
export type AnswerType = 'time' | 'quantity' | 'name' | 'place';

export interface Mention {
  readonly type: AnswerType;
  readonly text: string;
  /** Offset of the mention in the text it was found in. */
  readonly index: number;
}

const PLACE_NOUNS =
  'country|countries|city|cities|state|states|region|town|river|island|continent|area|place|county|province|location|nation|mountain|sea|ocean|lake|village|capital|port|district|territory|kingdom|empire';
const PERSON_NOUNS =
  'person|people|man|woman|king|queen|leader|president|emperor|duke|pope|scientist|author|writer|ruler|general|architect|player|artist|composer|founder|inventor|individual|group|company|organization|organisation|team|family|tribe|dynasty';

/** English question patterns, checked in order: "what year" is a time before "what" is anything else. */
const ENGLISH_TYPES: readonly (readonly [AnswerType, RegExp])[] = [
  [
    'time',
    /\bwhen\s+(?:did|was|were|is|does|do|will|had|has|have|can|could|must|should|are)\b|\b(?:what|which|in what|by what)\s+(?:year|years|date|day|month|century|decade|era|period|time period|season)\b|\bhow long ago\b/i,
  ],
  [
    'quantity',
    /\bhow\s+(?:many|much|long|old|far|large|big|tall|high|often|fast|deep|wide|heavy|small|few)\b|\bwhat\s+(?:percentage|percent|proportion|number|amount|size|population|fraction|share|rate|cost|price|sum|total|age|length)\b/i,
  ],
  [
    'place',
    new RegExp(
      `^\\s*(?:\\w+\\s+)?where\\b|\\bwhere\\s+(?:did|was|were|is|does|do|are|can|could|will)\\b|\\b(?:what|which|in what|in which|to what|from what|from which)\\s+(?:\\w+\\s+)?(?:${PLACE_NOUNS})\\b`,
      'i',
    ),
  ],
  [
    'name',
    new RegExp(
      `^\\s*(?:\\w+\\s+)?(?:who|whom|whose)\\b|\\bwho\\s+(?:was|is|were|did|had|has|have|does|do|will|can|could)\\b|\\b(?:what|which)\\s+(?:\\w+\\s+)?(?:${PERSON_NOUNS})\\b`,
      'i',
    ),
  ],
];

/**
 * Korean question words and the head nouns people end a question with ("…한 연도는?", "…한 나라는?"). A "누구"
 * question that also says "몇 개" asks for a name: names and places are checked first.
 */
const KOREAN_TYPES: readonly (readonly [AnswerType, RegExp])[] = [
  [
    'name',
    /누구|누가|(?:사람|인물|선수|의원|감독|회장|대통령|작가|저자|왕)(?:의 이름)?(?:는|은|이|가)?\s*(?:누구\S*)?\s*[?？]?\s*$/u,
  ],
  [
    'place',
    /어디|어느\s?(?:나라|도시|지역|곳|국가|섬|강|산|대륙|주)|(?:나라|도시|지역|장소|국가|곳|지방|대륙|위치)(?:는|은|가|이)?\s*(?:어디\S*|무엇\S*)?\s*[?？]?\s*$/u,
  ],
  [
    'time',
    /언제(?!나|든)|몇\s?(?:년|월|일|세기|시|년도|연도)|며칠|(?:연도|년도|날짜|시기|연대|해|시점|년)(?:는|은|가|이)?\s*(?:언제\S*|몇\s?\S+)?\s*[?？]?\s*$/u,
  ],
  ['quantity', /(?<!몇)몇(?!몇)|얼마/u],
];

const HANGUL = /\p{Script=Hangul}/u;

/** The kind of answer `question` asks for, or undefined when it asks for something else ("what", "무엇"). */
export function expectedAnswerType(question: string): AnswerType | undefined {
  const patterns = HANGUL.test(question) ? KOREAN_TYPES : ENGLISH_TYPES;
  for (const [type, pattern] of patterns) if (pattern.test(question)) return type;
  return undefined;
}

const MONTHS =
  'January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec';
const DAYS = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const ORDINALS =
  'first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|twenty-first';
const NUMBER_WORDS =
  'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|several';

const ENGLISH_TIME = new RegExp(
  [
    `\\b(?:${MONTHS})\\.?(?:\\s+\\d{1,2}(?:st|nd|rd|th)?)?(?:,?\\s+\\d{3,4})?\\b`,
    `\\b\\d{1,2}(?:st|nd|rd|th)?\\s+(?:${MONTHS})\\b(?:,?\\s+\\d{3,4})?`,
    `\\b(?:${DAYS})\\b`,
    `\\b(?:\\d{1,2}(?:st|nd|rd|th)|${ORDINALS})[\\s-]+(?:and\\s+\\S+\\s+)?centur(?:y|ies)\\b`,
    '\\b(?:1\\d{3}|20\\d{2})(?:s|\\b)',
    "\\b(?:the\\s+)?'?\\d0s\\b",
    '\\b\\d{1,4}\\s*(?:BC|BCE|AD|CE|B\\.C\\.|A\\.D\\.)(?![\\p{L}])',
    '\\b(?:in|by|since|until|from|around|after|before|of|c\\.)\\s+\\d{3}\\b',
    '\\b\\d{1,2}(?::\\d{2})?\\s*(?:am|pm|a\\.m\\.|p\\.m\\.)(?![\\p{L}])',
  ].join('|'),
  'giu',
);
const ENGLISH_QUANTITY = new RegExp(`\\p{N}[\\p{N},.]*%?|\\b(?:${NUMBER_WORDS})\\b`, 'giu');
/**
 * A run of capitalised words (with "of", "de", "the" inside: "Duchy of Normandy", "Roussel de Bailleul") that
 * does not open the sentence: a name of a person, group, organisation or place in edited English text.
 */
const ENGLISH_NAME =
  /(?<=[\p{L}\p{N},;:()"'’]\s+)\p{Lu}[\p{L}'’.-]*(?:\s+(?:(?:of|de|du|von|van|da|di|la|le|the|and)\s+)?\p{Lu}[\p{L}'’.-]*)*/gu;
const NOT_A_NAME = new RegExp(`^(?:${MONTHS}|${DAYS}|I|A|The|In|On|At|It|This|That|These|Those)$`);

const KOREAN_TIME =
  /\d+\s?(?:[억만천]\s?)?(?:년대|년도|년|월|일|세기|시|분)|\p{Script=Hangul}{2,}\s?(?:시대|시기)|(?:기원전|서기)\s?\d+|\b\d{4}\b|(?:지난|올|작|내)해|(?:봄|여름|가을|겨울)(?:에|철)|(?:조선|고려|삼국|신라|백제|고구려)\s?(?:시대|초기|중기|말기)/gu;
const KOREAN_COUNT =
  '(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무|수십|수백|수천|수만|수십만|수백만)\\s?(?:명|개|곳|번|회|권|대|마리|살|가지|차례|배|달|해|주|시간|분|채|척|편)';
const KOREAN_QUANTITY = new RegExp(`\\p{N}[\\p{N},.~]*\\s?[\\p{L}%]{0,4}|${KOREAN_COUNT}`, 'gu');
/**
 * Korean names have no capital letters and seldom a title beside them, and "어디 / 곳" answers are as often
 * an organisation or a thing ("국회", "잠수함") as a place with a place suffix: on the tuning slice of qa-ko a
 * name detector found the asked-for person in a quarter of the sentences holding it, and a suffix detector
 * flagged correct answers as place-less more often than wrong ones. So Korean "누구" and "어디" questions
 * are not judged by type at all, rather than by a detector that is mostly wrong.
 */
const DETECTORS: Readonly<Record<'en' | 'ko', Readonly<Partial<Record<AnswerType, RegExp>>>>> = {
  en: { time: ENGLISH_TIME, quantity: ENGLISH_QUANTITY, name: ENGLISH_NAME, place: ENGLISH_NAME },
  ko: { time: KOREAN_TIME, quantity: KOREAN_QUANTITY },
};

/** Whether mentions of `type` can be found in text written like `sample` (its language). */
export function detectable(type: AnswerType | undefined, sample: string): type is AnswerType {
  return type !== undefined && DETECTORS[HANGUL.test(sample) ? 'ko' : 'en'][type] !== undefined;
}

/** The mentions of `type` in `text` (a sentence or clause), in order. */
export function typedMentions(text: string, type: AnswerType): Mention[] {
  const detector = DETECTORS[HANGUL.test(text) ? 'ko' : 'en'][type];
  if (detector === undefined) return [];
  const out: Mention[] = [];
  for (const match of text.matchAll(detector)) {
    // A name's last word may carry the sentence's full stop ("King Charles III.").
    const found = match[0].trim().replace(/(?<=\p{L}{2,}|[IVX])[.,;:]+$/u, '');
    if (found === '' || ((type === 'name' || type === 'place') && NOT_A_NAME.test(found))) continue;
    out.push({ type, text: found, index: match.index });
  }
  return out;
}

const fold = (text: string) => text.normalize('NFKC').toLowerCase();
const WORDS = /[\p{L}\p{N}]+/gu;

/**
 * Whether `question` already names `mention` ("Who did Rollo sign the treaty with?" names Rollo): each of the
 * mention's words is in the question (Korean words by their first two syllables, so particles do not count).
 */
export function namedByQuestion(mention: string, question: string): boolean {
  const asked = fold(question);
  const words = fold(mention).match(WORDS) ?? [];
  if (words.length === 0) return true;
  return words.every((word) => asked.includes(HANGUL.test(word) ? word.slice(0, 2) : word));
}

/**
 * A question for a deadline or a period ("출장비는 언제까지 정산하나요?", "When must reports be submitted?") is
 * answered by a time limit as often as by a date: "귀국 후 2주 안에", "within 30 days", "월말까지".
 */
const DEADLINE_QUESTION =
  /언제까지|기한|마감|며칠\s?(?:안|이내|내)|\bby when\b|\buntil when\b|\bhow soon\b|\bdeadline\b|\bwhen\s+(?:must|should|do\s+\w+\s+have\s+to|does\s+\w+\s+have\s+to|is\s+(?:\w+\s+){0,4}due)\b/iu;
const KOREAN_LIMIT =
  /\d+\s?(?:주일?|개월|달|영업일|일|시간|년)\s?(?:이내|안에|안으로|내에|내로|전까지|전에|까지|후|뒤|이후)|(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)\s?(?:주|달|해)\s?(?:이내|안에|내에|전까지|까지|후|뒤)?|(?:다음|이번|매|지난)\s?(?:달|주|월|분기|해)\s?(?:말|초|중)?|(?:월|연|분기|주)말|(?:월|연)초/gu;
const ENGLISH_LIMIT = new RegExp(
  [
    `\\b(?:\\d+|a|an|${NUMBER_WORDS})\\s+(?:business\\s+|working\\s+|calendar\\s+)?(?:days?|weeks?|months?|years?|hours?)\\b`,
    '\\b(?:end|start|beginning|close)\\s+of\\s+(?:the\\s+|each\\s+|every\\s+)?(?:day|week|month|quarter|year)\\b',
    '\\b(?:next|this|every|each)\\s+(?:week|month|quarter|year)\\b',
  ].join('|'),
  'giu',
);

/** The mentions of the type `question` asks for in `text` that the question does not itself name. */
export function answerMentions(text: string, question: string, type: AnswerType | undefined): Mention[] {
  if (type === undefined) return [];
  const mentions = typedMentions(text, type);
  if (type === 'time' && DEADLINE_QUESTION.test(question)) {
    const limit = HANGUL.test(text) ? KOREAN_LIMIT : ENGLISH_LIMIT;
    for (const match of text.matchAll(limit))
      mentions.push({ type, text: match[0].trim(), index: match.index });
  }
  return mentions.filter((mention) => !namedByQuestion(mention.text, question));
}
