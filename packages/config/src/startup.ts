import { redactConfig } from './loadConfig.js';

interface StartupLogger {
  level: string;
  info(obj: object, msg: string): void;
  fatal(obj: object, msg: string): void;
}

/**
 * The settings a process starts with. When they are invalid, logs the error (it names every bad
 * key, never a value) as fatal and exits 1: a pod that cannot start should say why and stop.
 * Otherwise applies LOG_LEVEL to the logger and logs the settings, secrets redacted, as `starting`.
 */
export function readConfigOrExit<T extends { LOG_LEVEL: string }>(
  readConfig: () => T,
  logger: StartupLogger,
): T {
  let config: T;
  try {
    config = readConfig();
  } catch (error) {
    logger.fatal({ err: error }, 'invalid configuration');
    process.exit(1);
  }
  logger.level = config.LOG_LEVEL;
  logger.info({ config: redactConfig(config) }, 'starting');
  return config;
}
