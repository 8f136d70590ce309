export { BrokerConnection, type BrokerOptions, type BrokerSession } from './brokerConnection.js';
export {
  publishConfirmed,
  trackReturns,
  isChannelClosed,
  UnroutableError,
  ConfirmTimeoutError,
} from './publishConfirmed.js';
export {
  QueueConsumer,
  settle,
  type MessageHandler,
  type QueueConsumerOptions,
} from './queueConsumer.js';
export { deadLetter, republish, type DeadLetterReason } from './deadLetter.js';
export { parseMessage, type Parsed, type MalformedReason } from './parseMessage.js';
export {
  openConsumerConnection,
  type ConnectionSettings,
  type ConsumerConnectionOptions,
} from './consumerConnection.js';
export { brokerSettings, brokerName } from './settings.js';
