export { loadConfig, redactConfig, ConfigError, type LoadConfigOptions } from './load-config.js';
export { serverSettings, shutdownSettings, LOG_LEVELS } from './common-settings.js';
export { readConfigOrExit } from './startup.js';
