export { parseRule, RuleSyntaxError, MAX_RULE_LENGTH, type Expr, type Arg } from './rules/parse.js';
export { ruleToJsonLogic, splitLogic, MAX_PCT_DECIMALS, type RuleScope } from './rules/to-json-logic.js';
export { toFlagdDocument, withRollout, VALUE_SUFFIX, type AppConfigFlag, type AppConfigVariant, type SurfaceOptions } from './formats/to-flagd.js';
export { readHosted, KEY_PATTERN, MAX_ATTRIBUTES, MAX_VARIANTS } from './formats/hosted.js';
export { readRetrieval } from './formats/retrieval.js';
export { detectFormat, translateAppConfig, formatTranslator, FORMATS, type FlagFormat } from './formats/translate.js';
export { AppConfigDataSource, type AppConfigDataSourceOptions, type PollOutcome } from './sources/appconfig-data.js';
export { AgentSource, agentUrl, DEFAULT_AGENT_URL, type AgentSourceOptions } from './sources/agent.js';
