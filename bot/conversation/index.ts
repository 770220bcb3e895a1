export {
  type ChatConversation,
  type ChatConversationDeps,
  type ChatOutcome,
  createChatConversation,
  type IncomingChatMessage,
  type ShareOutcome,
} from './answer-in-chat.ts';
export { type ChatMembers, createChatMembers } from './chat-members.ts';
export * as chatMessages from './chat-messages.ts';
export { friendlyMessage, replyTranslator } from './chat-messages.ts';
export { createRateLimiter, type RateLimiter, type RateLimiterOptions } from './rate-limiter.ts';
