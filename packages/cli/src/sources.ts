import { AgentSource, AppConfigDataSource, formatTranslator, type SurfaceOptions } from '@switchyard/appconfig';
import type { SyncSource } from '@switchyard/core';
import { FileSource } from '@switchyard/file';
import { parseFormat, UsageError } from './io.js';

/** Command-line options that shape where `serve` reads flags from. */
export interface SourceFlags {
  format?: string;
  rolloutAttribute?: string;
  region?: string;
  appconfigEndpoint?: string;
  agentUrl?: string;
  appconfigClientSide?: boolean;
}

const APPCONFIG = 'appconfig:';
const AGENT = 'appconfig-agent:';

/**
 * `appconfig:APP/ENV/PROFILE` reads the AppConfigData API; `appconfig-agent:APP/ENV/PROFILE` the
 * local agent; anything else is a file (flagd or AppConfig JSON, detected unless --format says).
 */
export function sourceFor(spec: string, flags: SourceFlags): SyncSource {
  const surface: SurfaceOptions = { rolloutAttribute: flags.rolloutAttribute, metadata: flags.appconfigClientSide ? { clientSide: true } : undefined };
  const format = parseFormat(flags.format);
  if (spec.startsWith(APPCONFIG) || spec.startsWith(AGENT)) {
    const agent = spec.startsWith(AGENT);
    const parts = spec.slice(agent ? AGENT.length : APPCONFIG.length).split('/');
    if (parts.length !== 3 || parts.some((p) => p === '')) throw new UsageError(`${spec}: expected ${agent ? AGENT : APPCONFIG}APPLICATION/ENVIRONMENT/PROFILE`);
    const [application, environment, profile] = parts;
    if (agent) return new AgentSource({ url: flags.agentUrl, application, environment, profile, token: process.env.APPCONFIG_AGENT_TOKEN, format, surface });
    return new AppConfigDataSource({
      application,
      environment,
      profile,
      format,
      surface,
      clientConfig: { ...(flags.region ? { region: flags.region } : {}), ...(flags.appconfigEndpoint ? { endpoint: flags.appconfigEndpoint } : {}) },
    });
  }
  return new FileSource(spec, { translate: formatTranslator(format, surface) });
}
