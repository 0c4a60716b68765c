/** A bad configuration: names the source (flag, env var, file) and the key. Exit code 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
