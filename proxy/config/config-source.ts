/**
 * Reads the config the options name: `--config file:<path>` or inline JSON, `-f <path>`,
 * `--config-str <json>` (`mcrouter/mcrouter_options_list.h`: `--config` takes precedence).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ConfigSource } from './proxy-config.js';

/** Which config the options name. */
export interface ConfigSpec {
  /** `file:<path>` or inline JSON ('' when not given). */
  readonly config: string;
  readonly configFile: string;
  readonly configStr: string;
}

/** The config file path the options name, or null for an inline config or none. */
export function configPath(spec: ConfigSpec): string | null {
  if (spec.config !== '') return spec.config.startsWith('file:') ? resolve(spec.config.slice(5)) : null;
  if (spec.configFile !== '') return resolve(spec.configFile);
  return null;
}

/**
 * Reads the config text.
 * @throws ConfigError when no config is given or the file cannot be read
 */
export function readConfigSource(spec: ConfigSpec): ConfigSource {
  const path = configPath(spec);
  if (path !== null) {
    try {
      return { text: readFileSync(path, 'utf8'), path };
    } catch (err) {
      throw new ConfigError(
        '',
        `Can not read config from ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  const inline = spec.config !== '' ? spec.config : spec.configStr;
  if (inline === '')
    throw new ConfigError('', 'no config given: use --config file:<path> or --config <json>');
  return { text: inline, path: null };
}
