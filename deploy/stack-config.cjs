// The config the deployed stack runs with, for serverless.yml (`custom.stack: ${file(./deploy/stack-config.cjs)}`):
// the same file the CLI reads (`--param config=FILE`, YAML or JSON), validated by the CLI's own validator
// (`ecr-ledger config check`), so that a misspelt key stops `osls package` / `osls deploy` with the CLI's message
// (file, key, line) instead of failing in Lambda at 03:00. The roles derive from it: the reader role members carry
// (organization.roleName) and the advance notice's webhook parameter (notice.webhookParameter).
// `--param retentionConfig=JSON` is the deprecated one-line form, validated the same way.
const { execFileSync } = require('node:child_process');
const { existsSync, mkdtempSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { parse } = require('yaml');

const root = resolve(__dirname, '..');
const EXAMPLE = 'arn:aws:ecr:us-east-1:123456789012:repository/team-a/*';

/** Runs `ecr-ledger config check FILE`: the built CLI if there is one, else the sources through tsx. */
function check(file) {
  const built = existsSync(join(root, 'dist', 'ecr-ledger.mjs'));
  const args = built ? [join(root, 'bin', 'ecr-ledger')] : ['--import', 'tsx', join(root, 'src', 'cli', 'main.ts')];
  try {
    execFileSync(process.execPath, [...args, 'config', 'check', file, '--quiet'], { cwd: process.cwd(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  } catch (error) {
    const said = String(error.stderr ?? '').trim().split('\n').filter((l) => !/NodeVersionSupportWarning|node >=22|upgrade to node|a\.co\/|trace-warnings|^$|versions published|To continue receiving/.test(l));
    throw new Error(`the stack's config is not valid: ${said.join(' ') || error.message}`);
  }
}

/**
 * The statement that lets the central functions assume the members' reader role: in the accounts the config lists,
 * or (members discovered) in any account of the organisation (`aws:ResourceOrgID`). A discovering config without the
 * organisation's id cannot be limited, and is refused. Outside an organisation it is removed (trim-roles.cjs).
 */
function readMembers(organization, roleName, organizationId) {
  const statement = { Sid: 'OrganizationMembers', Effect: 'Allow', Action: ['sts:AssumeRole'] };
  const role = (account) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::${account}:role/${roleName}` });
  if (organization && Array.isArray(organization.accounts)) return { ...statement, Resource: organization.accounts.map((a) => role(String(a.id))) };
  if (organization) {
    if (!organizationId) throw new Error('organization.discover needs the organisation\'s id (organization.id in the config, or --param organizationId=o-…): the central roles may assume the reader role only in its accounts');
    return { ...statement, Resource: role('*'), Condition: { StringEquals: { 'aws:ResourceOrgID': organizationId } } };
  }
  return { ...statement, Resource: role('*') };
}

/** Bytes of the sweep function's environment besides the config and managedRepositories (names and values, generously). */
const ENVIRONMENT_BESIDES = 640;

/** The stage parameters serverless.yml reads: any other `--param` is a typo the stack would silently ignore. */
const KNOWN_PARAMS = ['config', 'retentionConfig', 'managedRepositories', 'organizationId', 'memberAccounts', 'dryRun', 'alarmEmail', 'tableName', 'reconcileSchedule', 'sweepSchedule', 'staleAfterSeconds'];

/** The names and values given with --param on the command line. */
function givenParams(options) {
  const given = new Map();
  for (const item of [options?.param ?? []].flat()) {
    const at = String(item).indexOf('=');
    if (at > 0) given.set(String(item).slice(0, at), String(item).slice(at + 1).trimEnd());
  }
  return given;
}

/** One setting from the config file or the stage parameter: refused when both are given and differ. */
function oneOf(name, fromConfig, fromParam, configKey) {
  if (fromConfig !== undefined && fromParam !== undefined && fromParam !== '' && fromConfig !== fromParam) {
    throw new Error(`the stage parameter ${name}=${fromParam} differs from the config's ${configKey} (${fromConfig}): give it in one place (the config file is the stack's source)`);
  }
  return fromConfig !== undefined ? fromConfig : fromParam;
}

/** Each managed repository ARN: an ECR repository in the stack's region, in a 12-digit account. */
function checkManaged(list, region) {
  for (const arn of list.split(',')) {
    const m = /^arn:aws[a-z-]*:ecr:([a-z0-9-]+):(\d+):repository\/(.+)$/.exec(arn.trim());
    if (!m) throw new Error(`managedRepositories: ${arn} is not an ECR repository ARN (arn:aws:ecr:REGION:ACCOUNT:repository/NAME, wildcards allowed in NAME), e.g. ${EXAMPLE}`);
    if (m[2].length !== 12) throw new Error(`managedRepositories: ${arn}: the account id ${m[2]} has ${m[2].length} digits, not 12`);
    if (region && m[1] !== region) throw new Error(`managedRepositories: ${arn} is in ${m[1]}, but the stack is deployed to ${region}: its sweep deletes in its own region only`);
  }
}

/** A refusal people read: osls prints an error's stack, so ours carries only its message. */
function refusal(error) {
  if (error && error.code === 'MISSING_VARIABLE_DEPENDENCY') return error;
  const plain = new Error(error && error.message ? error.message : String(error));
  plain.stack = plain.message;
  return plain;
}

module.exports = async (context) => {
  try {
    return await stackConfig(context);
  } catch (error) {
    throw refusal(error);
  }
};

async function stackConfig({ resolveVariable, options }) {
  const given = givenParams(options);
  const unknown = [...given.keys()].filter((name) => !KNOWN_PARAMS.includes(name));
  if (unknown.length > 0) throw new Error(`unknown stage parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: the known ones are ${KNOWN_PARAMS.join(', ')}`);
  const param = async (name) => {
    try {
      return await resolveVariable(`param:${name}`);
    } catch (error) {
      // Not resolvable yet (osls resolves in passes, and calls this again): let it retry.
      if (error && error.code === 'MISSING_VARIABLE_DEPENDENCY') throw error;
      return undefined;
    }
  };
  let file = await param('config');
  const legacy = await param('retentionConfig');
  if (file === undefined && legacy !== undefined && legacy !== '{}') {
    // The deprecated one-line JSON: checked as a file, as the CLI would read it.
    file = join(mkdtempSync(join(tmpdir(), 'ecr-ledger-config-')), 'retentionConfig.json');
    writeFileSync(file, legacy);
  }
  let raw = {};
  if (file !== undefined) {
    check(file);
    const path = resolve(process.cwd(), file);
    raw = parse(require('node:fs').readFileSync(path, 'utf8')) ?? {};
  }
  const notice = raw.notice ?? {};
  const roleName = raw.organization?.roleName ?? 'ecr-ledger-reader';
  // The config file is the one source; a stage parameter may say the same, never something else.
  const region = options?.region ?? 'us-east-1';
  const managedRepositories = oneOf('managedRepositories', raw.stack?.managedRepositories?.join(','), await param('managedRepositories'), 'stack.managedRepositories');
  if (!managedRepositories) throw new Error(`the stage parameter managedRepositories is required (the repositories the sweep may delete from), e.g. --param="managedRepositories=${EXAMPLE}", or stack.managedRepositories in the config`);
  checkManaged(managedRepositories, region);
  const organizationId = oneOf('organizationId', raw.organization?.id, (await param('organizationId')) || undefined, 'organization.id') ?? '';
  const listed = Array.isArray(raw.organization?.accounts) ? raw.organization.accounts.map((a) => String(a.id)) : undefined;
  const paramAccounts = (await param('memberAccounts')) || undefined;
  if (listed && paramAccounts && [...new Set(paramAccounts.split(',').map((a) => a.trim()))].sort().join(',') !== [...listed].sort().join(',')) {
    throw new Error(`the stage parameter memberAccounts=${paramAccounts} differs from the config's organization.accounts (${listed.join(',')}): give them in one place (the config file is the stack's source)`);
  }
  const memberAccounts = paramAccounts ?? (listed ? listed.join(',') : '');
  if (raw.organization && !organizationId && !memberAccounts) throw new Error('the config names an organization, but neither organization.id nor its accounts are known: the central bus would let no member put events (set organization.id, or list organization.accounts)');
  const dryRunParam = given.get('dryRun');
  const dryRun = oneOf('dryRun', raw.sweep?.dryRun === undefined ? undefined : String(raw.sweep.dryRun), dryRunParam, 'sweep.dryRun') ?? 'true';
  // Lambda allows 4 KB for all of a function's environment variables; the config travels in one of them, beside the
  // others (the sweep's are the largest: table, topic, bucket, queue URL, managed repositories, about 600 bytes besides).
  const json = JSON.stringify(raw);
  const environment = Buffer.byteLength(json) + Buffer.byteLength(managedRepositories) + ENVIRONMENT_BESIDES;
  if (environment > 4096) {
    throw new Error(`the config is ${Buffer.byteLength(json)} bytes as JSON: with managedRepositories and the other variables, the sweep's environment would be about ${environment} bytes, past Lambda's 4,096 (the deploy would fail). Shorten it: leave out keys that equal their defaults, name members with organization.discover instead of listing every account, or use fewer, broader repository rules`);
  }
  return {
    // sts:AssumeRole of the members' reader role, limited to the members: the listed accounts, or the organisation.
    readMembers: readMembers(raw.organization, roleName, organizationId),
    // As written (defaults are filled in by the functions): Lambda environment variables are limited to 4 KB.
    json,
    roleName,
    // The SSM parameter the webhook URL is read from, or none (a parameter no one may read).
    webhookParameter: notice.webhookParameter === undefined ? '/ecr-ledger/no-webhook' : notice.webhookParameter.startsWith('/') ? notice.webhookParameter : `/${notice.webhookParameter}`,
    managedRepositories,
    // The bus policy and the sweep's switch, from the config (or the stage parameters saying the same).
    organizationId,
    memberAccounts,
    dryRun,
    // Which grants the roles need (serverless.yml's conditions): members, discovery, the webhook.
    organization: raw.organization ? 'true' : 'false',
    discover: raw.organization?.discover === true ? 'true' : 'false',
    webhook: notice.webhookParameter === undefined ? 'false' : 'true',
    // kms:Decrypt of the key that encrypts the webhook's SecureString, when it is a customer-managed one.
    webhookKms: notice.webhookKmsKeyArn === undefined ? 'false' : 'true',
    // The alarm topic encrypted with a key the stack creates (config stack.alarmEncryption).
    alarmEncryption: raw.stack?.alarmEncryption === true ? 'true' : 'false',
    webhookKmsKeyArn: notice.webhookKmsKeyArn ?? 'arn:aws:kms:us-east-1:000000000000:key/none',
  };
}
