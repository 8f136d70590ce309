export { loadConfig, redactConfig, ConfigError, type LoadConfigOptions } from './load-config.js';
