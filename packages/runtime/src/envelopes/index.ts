export * from './outbox-envelopes';
export { handlingMessage, currentHandledMessage, type HandledMessage } from './handled-message';
