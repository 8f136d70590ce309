export { BrokerConnection, type BrokerOptions, type BrokerSession } from './broker-connection.js';
export {
  publishConfirmed,
  trackReturns,
  isChannelClosed,
  UnroutableError,
  ConfirmTimeoutError,
} from './publish-confirmed.js';
export {
  QueueConsumer,
  settle,
  type MessageHandler,
  type QueueConsumerOptions,
} from './queue-consumer.js';
export { deadLetter, republish, type DeadLetterReason } from './dead-letter.js';
export { parseMessage, type Parsed, type MalformedReason } from './parse-message.js';
export { brokerSettings, brokerName } from './settings.js';
