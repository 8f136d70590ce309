export { loadConfig, redactConfig, ConfigError, type LoadConfigOptions } from './loadConfig.js';
export { serverSettings, shutdownSettings, LOG_LEVELS } from './commonSettings.js';
export { readConfigOrExit } from './startup.js';
