export {
  createSlackAdapter,
  type SlackAdapter,
  type SlackAdapterOptions,
  type SlackConfig,
} from './slack-app.ts';
export { createSlackHttpReceiver, SLACK_EVENTS_PATH, type SlackHttpReceiver } from './slack-receiver.ts';
export { createStreamPacer, type StreamPacer } from './slack-reply.ts';
export { MAX_REQUEST_AGE_SECONDS, signSlackRequest, verifySlackSignature } from './slack-signature.ts';
